// .vmx document model: every line of the file is kept with its original bytes, so
// comments, unknown keys, key spelling, order and line endings survive a load/save cycle
// byte for byte. Only lines that were set() are re-encoded; new keys go at the end
// (where VMware appends them too).
//
// Syntax (libvirt src/vmx/vmx.c, VMware KB): one `key = "value"` per line, `#` comments,
// blank lines, keys matched case-insensitively, duplicates allowed (the last one wins).
// Hand edits leave unquoted values such as `TRUE`; we accept them.
import * as fs from 'node:fs';
import { writeFileAtomic } from './atomicWrite';
import { VmxError, quoteForMessage } from './vmxError';
import { VmxCodec, escapePipe, makeCodec, unescapePipe } from './vmxEncoding';

/** Real .vmx files are a few KiB; anything this big is not one. */
export const MAX_VMX_BYTES = 4 * 1024 * 1024;

interface Line {
  /** Original bytes including the line ending; null once the line was rewritten. */
  raw: Uint8Array | null;
  eol: string;
  entry: { key: string; lkey: string; value: string } | null;
}

const KEY_RE = /^[^\s="#]+$/;

export class VmxDocument {
  readonly file: string;
  private readonly codec: VmxCodec;
  private readonly lines: Line[];
  private readonly eol: string;

  private constructor(file: string, codec: VmxCodec, lines: Line[], eol: string) {
    this.file = file;
    this.codec = codec;
    this.lines = lines;
    this.eol = eol;
  }

  /** Parses file bytes. `file` only labels error messages. */
  static parse(bytes: Uint8Array, file = '<vmx>'): VmxDocument {
    if (bytes.length > MAX_VMX_BYTES) {
      throw new VmxError('too-large', `file is ${bytes.length} bytes, more than the ${MAX_VMX_BYTES} a .vmx may have`, { file });
    }
    const rawLines = splitLines(bytes);
    const codec = findCodec(rawLines, file);
    const lines: Line[] = [];
    rawLines.forEach((raw, i) => {
      const { body, eol } = stripEol(raw);
      let text = codec.decode(body);
      if (i === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 BOM
      lines.push({ raw, eol, entry: parseLine(text, { file, line: i + 1 }, codec) });
    });
    const eol = lines.find((l) => l.eol)?.eol ?? '\n';
    return new VmxDocument(file, codec, lines, eol);
  }

  static empty(file = '<vmx>'): VmxDocument {
    const doc = new VmxDocument(file, makeCodec('UTF-8', { file, line: 0 }), [], '\n');
    doc.set('.encoding', 'UTF-8');
    return doc;
  }

  get encoding(): string {
    return this.codec.encoding;
  }

  /** Value of the last occurrence of `key` (case-insensitive). */
  get(key: string): string | undefined {
    return this.lastLine(key)?.entry?.value;
  }

  /** 1-based line number of the effective occurrence of `key`, for error messages. */
  lineOf(key: string): number {
    const l = this.lastLine(key);
    return l ? this.lines.indexOf(l) + 1 : 0;
  }

  has(key: string): boolean {
    return this.lastLine(key) !== undefined;
  }

  /** Effective settings in file order of their last occurrence, original key spelling. */
  entries(): Array<[string, string]> {
    const last = new Map<string, Line>();
    for (const l of this.lines) if (l.entry) {
      last.delete(l.entry.lkey);
      last.set(l.entry.lkey, l);
    }
    return [...last.values()].map((l) => [l.entry!.key, l.entry!.value]);
  }

  /** Keys (original spelling) whose lower-case form starts with `prefix` (lower-cased). */
  keysWithPrefix(prefix: string): string[] {
    const p = prefix.toLowerCase();
    return this.entries().map(([k]) => k).filter((k) => k.toLowerCase().startsWith(p));
  }

  /** Sets the last occurrence in place, or appends a new line. Unchanged values touch nothing. */
  set(key: string, value: string): void {
    if (!KEY_RE.test(key)) throw new VmxError('bad-value', `invalid key ${quoteForMessage(key)}`, { file: this.file, key });
    if (key.toLowerCase() === '.encoding' && makeCodec(value, { file: this.file, line: 0 }).encoding !== this.codec.encoding) {
      // Every untouched line keeps its original bytes, so the charset cannot change under them.
      throw new VmxError('bad-value', `changing .encoding from ${this.codec.encoding} to ${JSON.stringify(value)} is not supported`, { file: this.file, key });
    }
    const line = this.lastLine(key);
    if (line?.entry) {
      if (line.entry.value === value) return;
      line.entry.value = value;
      line.raw = null;
      return;
    }
    const last = this.lines[this.lines.length - 1];
    if (last && !last.eol) {
      // The file did not end with a newline; give the old last line one.
      last.eol = this.eol;
      if (last.raw) last.raw = concat(last.raw, new TextEncoder().encode(this.eol));
    }
    this.lines.push({ raw: null, eol: this.eol, entry: { key, lkey: key.toLowerCase(), value } });
  }

  /** Removes every occurrence (otherwise an earlier duplicate would become effective). */
  delete(key: string): boolean {
    const lk = key.toLowerCase();
    const before = this.lines.length;
    for (let i = this.lines.length - 1; i >= 0; i--) {
      if (this.lines[i].entry?.lkey === lk) this.lines.splice(i, 1);
    }
    return this.lines.length !== before;
  }

  serialize(): Uint8Array {
    const parts = this.lines.map((l) => {
      if (l.raw) return l.raw;
      const { key, value } = l.entry!;
      return this.codec.encode(`${key} = "${escapePipe(value)}"${l.eol}`, { file: this.file, key });
    });
    return concat(...parts);
  }

  private lastLine(key: string): Line | undefined {
    const lk = key.toLowerCase();
    for (let i = this.lines.length - 1; i >= 0; i--) if (this.lines[i].entry?.lkey === lk) return this.lines[i];
    return undefined;
  }
}

export function readVmx(file: string): VmxDocument {
  // Only a regular file: a FIFO would block the read and a character device such as
  // /dev/zero (size 0) would never end. O_NONBLOCK keeps the open itself from blocking;
  // fstat of the open file is what counts.
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw new VmxError('io', `cannot read: ${(err as Error).message}`, { file });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new VmxError('io', `cannot read: not a regular file (${describeKind(st)})`, { file });
    if (st.size > MAX_VMX_BYTES) {
      throw new VmxError('too-large', `file is ${st.size} bytes, more than the ${MAX_VMX_BYTES} a .vmx may have`, { file });
    }
    // Read at most one byte more than the size said: a file that grows meanwhile is
    // still bounded, and parse() names it too large.
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, n);
    return VmxDocument.parse(n > st.size ? buf : buf.subarray(0, n), file);
  } finally {
    fs.closeSync(fd);
  }
}

function describeKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a plain file';
}

/** Atomic save: temp file + fsync + rename; a crash leaves the old or the new file. */
export function writeVmx(file: string, doc: VmxDocument): void {
  writeFileAtomic(file, doc.serialize());
}

function parseLine(text: string, where: { file: string; line: number }, codec: VmxCodec): Line['entry'] {
  const t = text.trim();
  if (t === '' || t.startsWith('#')) return null;
  const fail = (why: string, key?: string): never => {
    throw new VmxError('malformed-line', `malformed line ${quoteForMessage(text)}: ${why}`, { ...where, key });
  };
  const eq = t.indexOf('=');
  if (eq < 0) fail('expected key = "value"');
  const key = t.slice(0, eq).trim();
  if (!KEY_RE.test(key)) fail(key ? `invalid key ${quoteForMessage(key)}` : 'missing key');
  let rest = t.slice(eq + 1).trimStart();
  let value: string;
  if (rest.startsWith('"')) {
    const close = rest.indexOf('"', 1);
    if (close < 0) fail('unterminated quoted value', key);
    value = rest.slice(1, close);
    rest = rest.slice(close + 1).trim();
    if (rest !== '' && !rest.startsWith('#')) fail('text after the closing quote', key);
  } else {
    // Unquoted hand edit, e.g. `vhv.enable = TRUE`; a trailing `# comment` is allowed.
    const hash = rest.indexOf('#');
    value = (hash < 0 ? rest : rest.slice(0, hash)).trim();
    if (value === '') fail('missing value', key);
    if (value.includes('"') || /\s/.test(value)) fail('unquoted value with quotes or spaces', key);
  }
  return { key, lkey: key.toLowerCase(), value: unescapePipe(value, codec) };
}

function findCodec(rawLines: Uint8Array[], file: string): VmxCodec {
  // Keys are ASCII in every supported charset, so latin1 is enough to find `.encoding`.
  const latin1 = new TextDecoder('latin1');
  let label = 'UTF-8';
  let line = 0;
  rawLines.forEach((raw, i) => {
    const m = /^\s*\.encoding\s*=\s*"?([^"#\s]*)"?/i.exec(latin1.decode(stripEol(raw).body).replace(/^\u00ef\u00bb\u00bf/, ''));
    if (m) {
      label = m[1];
      line = i + 1;
    }
  });
  return makeCodec(label, { file, line });
}

function splitLines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

function stripEol(raw: Uint8Array): { body: Uint8Array; eol: string } {
  let n = raw.length;
  if (n && raw[n - 1] === 0x0a) {
    n--;
    if (n && raw[n - 1] === 0x0d) return { body: raw.subarray(0, n - 1), eol: '\r\n' };
    return { body: raw.subarray(0, n), eol: '\n' };
  }
  return { body: raw, eol: '' };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
