// Hostile and broken images: each gives one DiskError naming the file and the problem,
// nothing is written while opening fails, and random mutations never escape as anything
// other than a DiskError. Images are made by createSparseVmdk (no external tools).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskError, createSparseVmdk, openDisk, parseDescriptor, serializeDescriptor } from './index';
import { MAX_EXTENTS } from './descriptor';
import { serializeSparseHeader } from './sparseHeader';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-hostile-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A 1 MiB monolithicSparse image with data in grains 0 and 5; returns its path and bytes. */
function sample(): { file: string; bytes: Buffer } {
  const file = path.join(dir, `s${n++}.vmdk`);
  createSparseVmdk(file, 1 << 20);
  const d = openDisk(file);
  d.write(0, Buffer.alloc(4096, 0xaa));
  d.write(5 * 65536 + 7, Buffer.from('hello'));
  d.close();
  return { file, bytes: fs.readFileSync(file) };
}

function expectDiskError(fn: () => unknown, code: string, file: string, text: RegExp): DiskError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a DiskError').toBeInstanceOf(DiskError);
  const e = err as DiskError;
  expect(e.code).toBe(code);
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  expect(e.message).toMatch(text);
  return e;
}

/** Opens writable expecting failure, and proves the file did not change. */
function expectOpenFails(file: string, code: string, text: RegExp, errFile = file): void {
  const before = fs.readFileSync(file);
  expectDiskError(() => openDisk(file), code, errFile, text);
  expect(fs.readFileSync(file).equals(before)).toBe(true);
}

describe('hostile sparse headers', () => {
  it('reads back what it wrote (baseline)', () => {
    const { file } = sample();
    const d = openDisk(file, { readOnly: true });
    const b = Buffer.alloc(5);
    d.read(5 * 65536 + 7, b);
    expect(b.toString()).toBe('hello');
    expect(d.check()).toEqual([]);
    d.close();
  });

  it('COWD magic is named as unsupported', () => {
    const { file, bytes } = sample();
    bytes.write('COWD', 0, 'latin1');
    fs.writeFileSync(file, bytes);
    expectOpenFails(file, 'unsupported', /COWD/);
  });

  it('a descriptor extent that is not a sparse file fails with bad-magic naming the extent', () => {
    const desc = path.join(dir, 'twogb.vmdk');
    createSparseVmdk(desc, 1 << 20, { subformat: 'twoGbMaxExtentSparse' });
    const ext = path.join(dir, 'twogb-s001.vmdk');
    const b = fs.readFileSync(ext);
    b.write('XXXX', 0, 'latin1');
    fs.writeFileSync(ext, b);
    expectOpenFails(desc, 'bad-magic', /KDMV/, ext);
  });

  it('header claiming 2^60 sectors is too-large', () => {
    const { file, bytes } = sample();
    bytes.writeBigUInt64LE(2n ** 60n, 12);
    fs.writeFileSync(file, bytes);
    expectOpenFails(file, 'too-large', /capacity = 1152921504606846976 is absurd/);
    bytes.writeBigUInt64LE(2n ** 40n, 12);
    fs.writeFileSync(file, bytes);
    expectOpenFails(file, 'too-large', /capacity of 1099511627776 sectors exceeds/);
  });

  it('header with a tiny grain and huge capacity cannot make us allocate a huge directory', () => {
    const { file, bytes } = sample();
    bytes.writeBigUInt64LE(2n ** 37n, 12);
    bytes.writeBigUInt64LE(1n, 20);
    fs.writeFileSync(file, bytes);
    expectOpenFails(file, 'too-large', /grain directory would need/);
  });

  it.each([
    [20, 3n, 'corrupt', /grain size 3/],
    [44, 0, 'corrupt', /0 entries per grain table/],
    [44, 4096, 'corrupt', /4096 entries per grain table/],
    [4, 4, 'unsupported', /version 4/],
    [56, 2n ** 40n, 'truncated', /grain directory at sector/],
    [73, 0x0d, 'corrupt', /newline check/],
  ] as const)('header field at %i = %s is rejected', (off, value, code, text) => {
    const { file, bytes } = sample();
    if (typeof value === 'bigint') bytes.writeBigUInt64LE(value, off);
    else if (off === 73) bytes[off] = value;
    else bytes.writeUInt32LE(value, off);
    fs.writeFileSync(file, bytes);
    expectOpenFails(file, code, text);
  });

  it('a truncated grain table is reported at open', () => {
    const { file, bytes } = sample();
    const sectors = bytes.length / 512;
    bytes.writeUInt32LE(sectors - 2, Number(bytes.readBigUInt64LE(56)) * 512); // GT 0 straddles EOF
    fs.writeFileSync(file, bytes);
    expectOpenFails(file, 'truncated', new RegExp(`grain directory entry 0: grain table at sector ${sectors - 2} lies beyond the end of the file`));
    const gdOffset = Number(bytes.readBigUInt64LE(56));
    fs.writeFileSync(file, bytes.subarray(0, gdOffset * 512 + 100)); // file cut inside the GD
    expectOpenFails(file, 'truncated', /beyond the end of the file/);
  });

  it('a GT entry beyond EOF fails the read that uses it and shows in check()', () => {
    const { file, bytes } = sample();
    const gdOffset = Number(bytes.readBigUInt64LE(56));
    const gt0 = bytes.readUInt32LE(gdOffset * 512);
    bytes.writeUInt32LE(0x00ffffff, gt0 * 512 + 5 * 4); // grain 5
    fs.writeFileSync(file, bytes);
    const d = openDisk(file, { readOnly: true });
    expectDiskError(() => d.read(0, Buffer.alloc(512)), 'corrupt', file, /entry 5 points to sector 16777215, beyond the end of the file/);
    const problems = d.check();
    expect(problems.some((p) => /entry 5 points to sector 16777215/.test(p.message))).toBe(true);
    expect(problems.some((p) => /GD copy says sector 16777215, RGD copy says/.test(p.message))).toBe(true);
    d.close();
  });

  it('check() finds overlapping grains', () => {
    const { file, bytes } = sample();
    for (const dirOff of [48, 56]) {
      const gt0 = bytes.readUInt32LE(Number(bytes.readBigUInt64LE(dirOff)) * 512);
      bytes.writeUInt32LE(bytes.readUInt32LE(gt0 * 512), gt0 * 512 + 5 * 4); // grain 5 := grain 0
    }
    fs.writeFileSync(file, bytes);
    const d = openDisk(file, { readOnly: true });
    expect(d.check().map((p) => p.message)).toEqual([expect.stringMatching(/grain 5 \(sector \d+\) overlaps grain 0|grain 0 \(sector \d+\) overlaps grain 5/)]);
    d.close();
  });

  it('a missing extent file is named', () => {
    const desc = path.join(dir, 'missing.vmdk');
    createSparseVmdk(desc, 1 << 20, { subformat: 'twoGbMaxExtentSparse' });
    const ext = path.join(dir, 'missing-s001.vmdk');
    fs.rmSync(ext);
    expectOpenFails(desc, 'missing-extent', /extent file named in .*missing\.vmdk does not exist/, ext);
  });

  it('a descriptor with thousands of extents is refused before opening any', () => {
    const file = path.join(dir, 'many.vmdk');
    const lines = ['# Disk DescriptorFile', 'version=1', 'CID=12345678', 'parentCID=ffffffff', 'createType="twoGbMaxExtentFlat"'];
    for (let i = 0; i < 10_000; i++) lines.push(`RW 2048 FLAT "f${i}.vmdk" 0`);
    fs.writeFileSync(file, lines.join('\n'));
    expectOpenFails(file, 'too-large', new RegExp(`more than ${MAX_EXTENTS} extents`));
  });

  it('the grain directories of all extents together are bounded', () => {
    // One extent file with a 600000-entry GD (grain = 1 sector, 1 entry per GT), listed twice.
    const ext = path.join(dir, 'wide-s001.vmdk');
    const hdr = serializeSparseHeader({
      version: 1, flags: 0, capacity: 600_000, grainSize: 1, descriptorOffset: 0, descriptorSize: 0, numGTEsPerGT: 1,
      rgdOffset: 0, gdOffset: 1, overHead: 1, uncleanShutdown: 0, compressAlgorithm: 0,
    });
    fs.writeFileSync(ext, hdr);
    fs.truncateSync(ext, 512 + Math.ceil((600_000 * 4) / 512) * 512);
    const desc = path.join(dir, 'wide.vmdk');
    fs.writeFileSync(desc, 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="twoGbMaxExtentSparse"\nRW 600000 SPARSE "wide-s001.vmdk"\nRW 600000 SPARSE "wide-s001.vmdk"\n');
    expectDiskError(() => openDisk(desc, { readOnly: true }), 'too-large', desc, /grain directories of all extents exceed 1048576 entries/);
  });

  it('an extent that is a FIFO is refused without hanging', () => {
    const fifo = path.join(dir, 'pipe-f001.vmdk');
    execFileSync('mkfifo', [fifo]);
    const desc = path.join(dir, 'pipe.vmdk');
    fs.writeFileSync(desc, 'version=1\ncreateType="twoGbMaxExtentFlat"\nRW 8 FLAT "pipe-f001.vmdk" 0\n');
    expectOpenFails(desc, 'unsupported', /not a regular file/, fifo);
  });

  it('extents and parents stay inside the descriptor folder, symlinks included', () => {
    const vm = fs.mkdtempSync(path.join(dir, 'vm-'));
    const secret = path.join(dir, 'secret.bin');
    fs.writeFileSync(secret, Buffer.alloc(4096, 0x53));
    const desc = path.join(vm, 'evil.vmdk');
    fs.writeFileSync(desc, `version=1\ncreateType="monolithicFlat"\nRW 8 FLAT "${secret}" 0\n`);
    expectDiskError(() => openDisk(desc), 'forbidden-path', desc, /outside/);
    fs.symlinkSync(secret, path.join(vm, 'link-flat.vmdk'));
    fs.writeFileSync(desc, 'version=1\ncreateType="monolithicFlat"\nRW 8 FLAT "link-flat.vmdk" 0\n');
    expectDiskError(() => openDisk(desc), 'forbidden-path', desc, /link-flat\.vmdk, which is outside/);
    fs.writeFileSync(desc, 'version=1\nparentCID=1\nparentFileNameHint="../secret.bin"\ncreateType="monolithicFlat"\nRW 8 ZERO\n');
    expectDiskError(() => openDisk(desc), 'forbidden-path', desc, /secret\.bin, which is outside/);
    fs.copyFileSync(secret, path.join(vm, 'ok-flat.vmdk'));
    fs.writeFileSync(desc, 'version=1\ncreateType="monolithicFlat"\nRW 8 FLAT "ok-flat.vmdk" 0\n');
    openDisk(desc, { readOnly: true }).close();
  });

  it('I/O past the end is out-of-range and read-only disks refuse writes', () => {
    const { file } = sample();
    const d = openDisk(file, { readOnly: true });
    expectDiskError(() => d.read((1 << 20) - 10, Buffer.alloc(11)), 'out-of-range', file, /outside the 1048576-byte disk/);
    expectDiskError(() => d.write(0, Buffer.alloc(1)), 'read-only', file, /read-only/);
    d.close();
  });

  it('parses a VMware Workstation descriptor with CRLF line ends', () => {
    const text = [
      '# Disk DescriptorFile', 'version=1', 'encoding="UTF-8"', 'CID=a1b2c3d4', 'parentCID=ffffffff', 'isNativeSnapshot="no"',
      'createType="twoGbMaxExtentSparse"', '', '# Extent description', 'RW 8323072 SPARSE "Ubuntu-s001.vmdk"',
      'RW 2048 SPARSE "Ubuntu-s002.vmdk"', '', '# The Disk Data Base ', '#DDB', '', 'ddb.adapterType = "lsilogic"',
      'ddb.longContentID = "0123456789abcdef0123456789abcdef"', 'ddb.uuid = "60 00 C2 9a 12 34 56 78-9a bc de f0 12 34 56 78"',
      'ddb.virtualHWVersion = "19"', '',
    ].join('\r\n');
    const d = parseDescriptor(text, 'Ubuntu.vmdk');
    expect(d.cid).toBe(0xa1b2c3d4);
    expect(d.extents.map((e) => [e.sectors, e.file])).toEqual([[8323072, 'Ubuntu-s001.vmdk'], [2048, 'Ubuntu-s002.vmdk']]);
    expect(d.header).toEqual([['encoding', 'UTF-8'], ['isNativeSnapshot', 'no']]);
    expect(d.ddb).toContainEqual(['ddb.uuid', '60 00 C2 9a 12 34 56 78-9a bc de f0 12 34 56 78']);
  });

  it('parses and re-serializes a descriptor', () => {
    const text = '# Disk DescriptorFile\nversion=1\nencoding="UTF-8"\nCID=0000abcd\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 2048 FLAT "x-flat.vmdk" 0\nRDONLY 16 ZERO\n\nddb.adapterType = "lsilogic"\n';
    const d = parseDescriptor(text, 'x.vmdk');
    expect(d).toMatchObject({ version: 1, cid: 0xabcd, createType: 'monolithicFlat', ddb: [['ddb.adapterType', 'lsilogic']] });
    expect(d.extents).toEqual([
      { access: 'RW', sectors: 2048, type: 'FLAT', file: 'x-flat.vmdk', offset: 0 },
      { access: 'RDONLY', sectors: 16, type: 'ZERO', file: undefined, offset: 0 },
    ]);
    expect(parseDescriptor(serializeDescriptor(d), 'x.vmdk')).toEqual(d);
    expectDiskError(() => parseDescriptor('version=1\ncreateType="monolithicFlat"\nRW 1 FLAT\n', 'y.vmdk'), 'bad-descriptor', 'y.vmdk', /line 3 "RW 1 FLAT": FLAT extent needs a file name/);
  });
});

describe('fuzz', () => {
  /** Replaces a file's content in place. writeFileSync would truncate to 0 first, which on
 *  ext4 (auto_da_alloc) forces a flush per iteration and makes the fuzz 100x slower. */
function overwrite(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w');
  fs.writeSync(fd, data, 0, data.length, 0);
  fs.ftruncateSync(fd, data.length);
  fs.closeSync(fd);
}

const rng = (seed: number) => () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

  it('mutated sparse metadata gives data or a DiskError, never anything else (3000 cases)', () => {
    const { bytes } = sample();
    const overhead = Number(bytes.readBigUInt64LE(64)) * 512;
    const file = path.join(dir, 'fuzz.vmdk');
    const r = rng(2024);
    const t0 = Date.now();
    let opened = 0;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(bytes);
      const k = 1 + Math.floor(r() * 4);
      for (let j = 0; j < k; j++) {
        // Mostly the header, sometimes directories/tables, sometimes a whole u32/u64 field.
        const pos = r() < 0.6 ? Math.floor(r() * 80) : Math.floor(r() * overhead);
        if (r() < 0.5) b[pos] = Math.floor(r() * 256);
        else b.writeUInt32LE(Math.floor(r() * 2 ** 32), Math.min(pos, b.length - 4));
      }
      const cut = r() < 0.1 ? Math.floor(r() * b.length) : b.length;
      overwrite(file, b.subarray(0, cut));
      try {
        openDisk(file).close(); // writable open + close without writes
      } catch (e) {
        if (!(e instanceof DiskError)) throw new Error(`case ${i}: ${(e as Error).stack}`);
        expect(fs.readFileSync(file).equals(b.subarray(0, cut)), `case ${i}: failed open wrote to the file`).toBe(true);
      }
      try {
        const d = openDisk(file, { readOnly: true });
        opened++;
        try {
          d.read(0, Buffer.alloc(Math.min(d.size, 1 << 20)));
          d.check();
        } finally {
          d.close();
        }
      } catch (e) {
        if (!(e instanceof DiskError)) throw new Error(`case ${i}: ${(e as Error).stack}`);
      }
    }
    expect(opened).toBeGreaterThan(100);
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 90_000);

  it('mutated descriptors give a disk or a DiskError (3000 cases)', () => {
    const desc = path.join(dir, 'fz.vmdk');
    createSparseVmdk(desc, 1 << 20, { subformat: 'twoGbMaxExtentSparse' });
    const text = fs.readFileSync(desc, 'latin1');
    const alphabet = '0123456789abcdefRWFLATSPARSEZERO"= \n#.-fz-s001.vmdk\x00\xff';
    const r = rng(77);
    for (let i = 0; i < 3000; i++) {
      const chars = text.split('');
      for (let j = 0, k = 1 + Math.floor(r() * 5); j < k; j++) {
        const pos = Math.floor(r() * chars.length);
        const op = r();
        const ch = alphabet[Math.floor(r() * alphabet.length)];
        if (op < 0.4) chars[pos] = ch;
        else if (op < 0.7) chars.splice(pos, 1);
        else chars.splice(pos, 0, ch);
      }
      overwrite(desc, Buffer.from(chars.join(''), 'latin1'));
      try {
        openDisk(desc, { readOnly: true }).close();
      } catch (e) {
        if (!(e instanceof DiskError)) throw new Error(`case ${i}: ${(e as Error).stack}`);
      }
    }
  }, 90_000);
});
