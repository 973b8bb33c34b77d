// Text encodings and value escapes of .vmx files.
//
// * `.encoding = "…"` names the charset of the whole file (UTF-8, windows-1252, GBK…);
//   libvirt `virVMXConvertToUTF8` decodes with it. We decode with the WHATWG TextDecoder.
// * Inside values, `|XX` (pipe + two hex digits) stands for the byte 0xXX in that charset;
//   VMware writes `"` as `|22`, `#` as `|23` and `|` as `|7C` (libvirt `virVMXUnescapeHexPipe`).
import { VmxError } from './vmxError';

export interface VmxCodec {
  readonly encoding: string; // canonical WHATWG name, e.g. "utf-8", "windows-1252"
  decode(bytes: Uint8Array): string;
  /** Encodes text for a new line; throws when a character has no byte form. */
  encode(text: string, where: { file: string; key: string }): Uint8Array;
}

const utf8Encoder = new TextEncoder();

// Node 20 decodes "windows-1252" with its latin1 fast path, which turns 0x80–0x9F into C1
// controls. These are the WHATWG windows-1252 code points for that range (0x81, 0x8D,
// 0x8F, 0x90, 0x9D stay C1, as in the WHATWG index).
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function fixCp1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(CP1252_80_9F[c.charCodeAt(0) - 0x80]));
}

export function makeCodec(label: string, where: { file: string; line: number }): VmxCodec {
  let textDecoder: InstanceType<typeof TextDecoder>;
  try {
    textDecoder = new TextDecoder(label.trim());
  } catch {
    throw new VmxError('bad-encoding', `unknown .encoding ${JSON.stringify(label)}`, { ...where, key: '.encoding' });
  }
  const encoding = textDecoder.encoding;
  const decoder = encoding === 'windows-1252'
    ? { decode: (b: Uint8Array) => fixCp1252(textDecoder.decode(b)) }
    : textDecoder;
  if (encoding === 'utf-8') {
    return { encoding, decode: (b) => decoder.decode(b), encode: (t) => utf8Encoder.encode(t) };
  }
  // Only ASCII-compatible charsets make sense for a line-oriented file; reject UTF-16.
  if (encoding.startsWith('utf-16')) {
    throw new VmxError('bad-encoding', `.encoding ${JSON.stringify(label)} is not ASCII-compatible`, { ...where, key: '.encoding' });
  }
  // Reverse table for the single bytes of this charset (complete for windows-125x and
  // ISO-8859-x; for multi-byte charsets such as GBK only ASCII and a few symbols).
  const single = new Map<string, number>();
  const one = new Uint8Array(1);
  for (let b = 0; b < 256; b++) {
    one[0] = b;
    const ch = decoder.decode(one);
    if (ch.length === 1 && ch !== '\uFFFD' && !single.has(ch)) single.set(ch, b);
  }
  return {
    encoding,
    decode: (b) => decoder.decode(b),
    encode(text, w) {
      const out = new Uint8Array(text.length);
      let i = 0;
      for (const ch of text) {
        const b = single.get(ch);
        if (b === undefined) {
          throw new VmxError('unencodable', `character ${JSON.stringify(ch)} cannot be written in ${encoding}`, { file: w.file, key: w.key });
        }
        out[i++] = b;
      }
      return out.subarray(0, i);
    },
  };
}

const hex = (c: string) => /^[0-9A-Fa-f]{2}$/.test(c);

/** Undoes `|XX` escapes. Escaped bytes >= 0x80 are decoded as a run in the file charset. */
export function unescapePipe(value: string, codec: VmxCodec): string {
  if (!value.includes('|')) return value;
  let out = '';
  let run: number[] = [];
  const flush = () => {
    if (run.length) out += codec.decode(Uint8Array.from(run));
    run = [];
  };
  for (let i = 0; i < value.length; i++) {
    const pair = value.slice(i + 1, i + 3);
    if (value[i] === '|' && hex(pair)) {
      const b = parseInt(pair, 16);
      if (b >= 0x80) run.push(b);
      else {
        flush();
        out += String.fromCharCode(b);
      }
      i += 2;
    } else {
      flush();
      out += value[i];
    }
  }
  flush();
  return out;
}

/** Escapes what cannot appear literally inside a quoted value: `"`, `#`, `|` and controls. */
export function escapePipe(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '#' || ch === '|' || c < 0x20 || c === 0x7f) {
      out += `|${c.toString(16).toUpperCase().padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

/** `%XX` escapes used in displayName for `/` and `\` (libvirt `virVMXUnescapeHexPercent`). */
export function unescapePercent(value: string): string {
  return value.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function escapePercent(value: string): string {
  return value.replace(/[%/\\]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
