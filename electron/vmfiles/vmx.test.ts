import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VmxDocument, readVmx, writeVmx } from './vmx';
import { VmxError } from './vmxError';

const SAMPLE = [
  '.encoding = "UTF-8"',
  '# A comment that must survive',
  'config.version = "8"',
  '',
  'displayName = "Ubuntu |22quoted|22 |23 1"',
  'RemoteDisplay.vnc.enabled = "FALSE"',
  '   weird.spacing    =    "x"   # trailing comment',
  'vhv.enable = TRUE',
  'memsize = "1024"',
  'memsize = "2048"',
  'unknown.key.from.future = "keep me"',
].join('\r\n') + '\r\n';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('VmxDocument', () => {
  it('round-trips an unmodified file byte for byte', () => {
    const bytes = enc(SAMPLE);
    expect(Buffer.from(VmxDocument.parse(bytes).serialize()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('reads values case-insensitively, unescapes |XX, last duplicate wins', () => {
    const doc = VmxDocument.parse(enc(SAMPLE));
    expect(doc.get('DISPLAYNAME')).toBe('Ubuntu "quoted" # 1');
    expect(doc.get('remotedisplay.VNC.enabled')).toBe('FALSE');
    expect(doc.get('weird.spacing')).toBe('x');
    expect(doc.get('vhv.enable')).toBe('TRUE');
    expect(doc.get('memsize')).toBe('2048');
    expect(doc.lineOf('memsize')).toBe(10);
    expect(doc.entries().filter(([k]) => k === 'memsize')).toHaveLength(1);
  });

  it('set() edits only the effective line; other lines keep their bytes', () => {
    const doc = VmxDocument.parse(enc(SAMPLE));
    doc.set('MEMSIZE', '4096');
    doc.set('displayName', 'Ubuntu "quoted" # 1'); // same value: untouched
    doc.set('new.key', 'a|b');
    const out = dec(doc.serialize());
    const lines = out.split('\r\n');
    expect(lines[8]).toBe('memsize = "1024"'); // earlier duplicate kept
    expect(lines[9]).toBe('memsize = "4096"'); // original spelling of the key kept
    expect(lines[4]).toBe('displayName = "Ubuntu |22quoted|22 |23 1"');
    expect(lines[6]).toBe('   weird.spacing    =    "x"   # trailing comment');
    expect(lines[11]).toBe('new.key = "a|7Cb"');
    expect(out.endsWith('\r\n')).toBe(true);
    expect(VmxDocument.parse(doc.serialize()).get('new.key')).toBe('a|b');
  });

  it('delete() removes every duplicate', () => {
    const doc = VmxDocument.parse(enc(SAMPLE));
    expect(doc.delete('memsize')).toBe(true);
    expect(doc.get('memsize')).toBeUndefined();
    expect(dec(doc.serialize())).not.toContain('memsize');
    expect(doc.delete('memsize')).toBe(false);
  });

  it('adds a newline to a last line that lacked one before appending', () => {
    const doc = VmxDocument.parse(enc('a = "1"'));
    doc.set('b', '2');
    expect(dec(doc.serialize())).toBe('a = "1"\nb = "2"\n');
  });

  it('decodes windows-1252 and writes new values in it', () => {
    const bytes = Uint8Array.from([...enc('.encoding = "windows-1252"\nannotation = "caf'), 0xe9, ...enc(' |80"\n')]);
    const doc = VmxDocument.parse(bytes);
    expect(doc.encoding).toBe('windows-1252');
    expect(doc.get('annotation')).toBe('café €');
    doc.set('displayName', 'Müller');
    const out = doc.serialize();
    expect(Buffer.from(out.subarray(0, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    expect([...out.subarray(bytes.length)]).toEqual([...enc('displayName = "M'), 0xfc, ...enc('ller"\n')]);
    expect(() => {
      doc.set('x', '日本');
      doc.serialize();
    }).toThrow(/cannot be written in windows-1252/);
  });

  it('decodes GBK', () => {
    const bytes = Uint8Array.from([...enc('.encoding = "GBK"\ndisplayName = "'), 0xd6, 0xd0, 0xce, 0xc4, ...enc('"\n')]);
    expect(VmxDocument.parse(bytes).get('displayName')).toBe('中文');
  });

  it('refuses to change the charset of an existing document', () => {
    const doc = VmxDocument.parse(enc('.encoding = "UTF-8"\n'));
    doc.set('.encoding', 'utf8'); // same charset, another label: fine
    expect(() => doc.set('.encoding', 'windows-1252')).toThrow(/changing .encoding from utf-8/);
  });

  it('keeps a UTF-8 BOM', () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('.encoding = "UTF-8"\nx = "1"\n')]);
    const doc = VmxDocument.parse(bytes);
    expect(doc.get('.encoding')).toBe('UTF-8');
    expect(Buffer.from(doc.serialize()).equals(Buffer.from(bytes))).toBe(true);
  });

  it.each([
    ['no equals sign here', 'expected key = "value"'],
    ['key = "unterminated', 'unterminated quoted value'],
    ['key = "a" junk', 'text after the closing quote'],
    ['= "x"', 'missing key'],
    ['key =', 'missing value'],
    ['key = two words', 'unquoted value'],
  ])('reports malformed line %j with its number and text', (bad, why) => {
    const text = `a = "1"\n\n${bad}\n`;
    let err: unknown;
    try {
      VmxDocument.parse(enc(text), 'vm.vmx');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VmxError);
    const e = err as VmxError;
    expect(e.line).toBe(3);
    expect(e.code).toBe('malformed-line');
    expect(e.message).toContain('vm.vmx:3');
    expect(e.message).toContain(JSON.stringify(bad));
    expect(e.message).toContain(why);
  });

  it('rejects an unknown encoding, naming the key', () => {
    expect(() => VmxDocument.parse(enc('.encoding = "klingon"\n'))).toThrow(expect.objectContaining({ code: 'bad-encoding', key: '.encoding', line: 1 }));
  });

  it('saves atomically and leaves no temp files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmx-'));
    const file = path.join(dir, 'vm.vmx');
    fs.writeFileSync(file, SAMPLE);
    const doc = readVmx(file);
    doc.set('numvcpus', '2');
    writeVmx(file, doc);
    expect(fs.readdirSync(dir)).toEqual(['vm.vmx']);
    expect(readVmx(file).get('numvcpus')).toBe('2');
    expect(fs.readFileSync(file, 'utf8').startsWith(SAMPLE)).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });

  it('a failed save leaves the original file intact', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmx-'));
    const file = path.join(dir, 'vm.vmx');
    fs.writeFileSync(file, '.encoding = "windows-1252"\n');
    const doc = readVmx(file);
    doc.set('displayName', '日本'); // unencodable: serialize() throws before any file is opened
    expect(() => writeVmx(file, doc)).toThrow(VmxError);
    expect(fs.readFileSync(file, 'utf8')).toBe('.encoding = "windows-1252"\n');
    expect(fs.readdirSync(dir)).toEqual(['vm.vmx']);
    fs.rmSync(dir, { recursive: true });
  });

  it('survives random byte mutations with either a document or a VmxError', () => {
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const base = enc(SAMPLE);
    for (let i = 0; i < 3000; i++) {
      const b = Uint8Array.from(base);
      for (let k = 0, n = 1 + rnd(4); k < n; k++) b[rnd(b.length)] = rnd(256);
      try {
        const doc = VmxDocument.parse(b);
        expect(Buffer.from(doc.serialize()).equals(Buffer.from(b))).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(VmxError);
      }
    }
  });
});

describe('readVmx refuses what is not a regular file', () => {
  // A .vmx that is a FIFO would hang the reader, /dev/zero would fill memory (its size
  // reads as 0, so the size check alone lets it through).
  it.each([
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p]), /a FIFO/],
    ['a directory', (p: string) => fs.mkdirSync(p), /a directory/],
    ['a symlink to /dev/zero', (p: string) => fs.symlinkSync('/dev/zero', p), /a character device/],
  ])('%s gives one VmxError at once', (_w, make, kind) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vmx-special-'));
    const file = path.join(dir, 'vm.vmx');
    make(file);
    const t0 = Date.now();
    expect(() => readVmx(file)).toThrow(VmxError);
    expect(() => readVmx(file)).toThrow(kind);
    expect(Date.now() - t0).toBeLessThan(1000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
