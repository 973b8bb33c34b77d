// Format paths that need no external tool: raw images, hand-written descriptors with
// FLAT/ZERO extents, CID handling, and a synthetic streamOptimized file with its GD at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { DiskError, createSparseVmdk, openDisk } from './index';
import { FLAG_COMPRESSED, FLAG_MARKERS, FLAG_NL_DETECT, SparseHeader, serializeSparseHeader } from './sparseHeader';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-disk-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('raw images', () => {
  it('reads, writes and reports a raw file', () => {
    const file = path.join(dir, 'r.img');
    fs.writeFileSync(file, Buffer.alloc(8192, 1));
    const d = openDisk(file);
    expect(d.size).toBe(8192);
    d.write(4000, Buffer.from('abc'));
    d.flush();
    const b = Buffer.alloc(5);
    d.read(3999, b);
    expect([...b]).toEqual([1, 97, 98, 99, 1]);
    expect(d.info()).toMatchObject({ format: 'raw', virtualSize: 8192, files: [file], readOnly: false });
    expect(() => d.write(8190, Buffer.alloc(3))).toThrow(DiskError);
    expect(d.check()).toEqual([]);
    d.close();
    d.close();
    expect(fs.readFileSync(file).subarray(4000, 4003).toString()).toBe('abc');
  });
});

describe('descriptor with FLAT and ZERO extents', () => {
  const desc = () => path.join(dir, 'multi.vmdk');
  beforeAll(() => {
    fs.writeFileSync(path.join(dir, 'multi-f1.bin'), Buffer.concat([Buffer.alloc(1024, 0xee), Buffer.alloc(2048, 0x11)]));
    fs.writeFileSync(path.join(dir, 'multi-f2.bin'), Buffer.alloc(1024, 0x22));
    fs.writeFileSync(desc(), [
      '# Disk DescriptorFile', 'version=1', 'CID=0000beef', 'parentCID=ffffffff', 'createType="twoGbMaxExtentFlat"', '',
      'RW 4 FLAT "multi-f1.bin" 2', 'RDONLY 2 ZERO', `RW 2 FLAT "${path.join(dir, 'multi-f2.bin')}" 0`, '',
      'ddb.adapterType = "lsilogic"', '',
    ].join('\n'));
  });

  it('maps guest offsets across extents (offset, ZERO, absolute path)', () => {
    const d = openDisk(desc(), { readOnly: true });
    expect(d.size).toBe(8 * 512);
    const b = Buffer.alloc(d.size);
    d.read(0, b);
    expect(b.subarray(0, 2048).every((x) => x === 0x11)).toBe(true);
    expect(b.subarray(2048, 3072).every((x) => x === 0)).toBe(true);
    expect(b.subarray(3072).every((x) => x === 0x22)).toBe(true);
    expect(d.info()).toMatchObject({ format: 'vmdk', subformat: 'twoGbMaxExtentFlat', cid: '0000beef', parentCid: 'ffffffff' });
    expect(d.info().extents.map((e) => e.type)).toEqual(['FLAT', 'ZERO', 'FLAT']);
    d.close();
  });

  it('writes across an extent boundary, refuses the ZERO extent, and bumps only the CID line', () => {
    const before = fs.readFileSync(desc(), 'utf8');
    const d = openDisk(desc());
    d.write(2040, Buffer.alloc(8, 0x33)); // end of extent 1 only
    expect(() => d.write(2047, Buffer.alloc(2, 0x44))).toThrow(/ZERO extent is not writable/);
    d.close();
    const after = fs.readFileSync(desc(), 'utf8');
    expect(after).not.toBe(before);
    expect(after.replace(/^CID=.*$/m, '')).toBe(before.replace(/^CID=.*$/m, ''));
    expect(fs.readFileSync(path.join(dir, 'multi-f1.bin')).subarray(1024 + 2040, 1024 + 2048).every((x) => x === 0x33)).toBe(true);
  });

  it('refuses a delta disk whose parent changed, a missing parent, a loop, and standalone monolithicSparse', () => {
    const child = path.join(dir, 'child.vmdk');
    // multi.vmdk's CID was bumped by the write above, so 0000beef no longer matches.
    fs.writeFileSync(child, 'version=1\nCID=1\nparentCID=0000beef\nparentFileNameHint="multi.vmdk"\ncreateType="monolithicFlat"\nRW 8 FLAT "multi-f1.bin" 0\n');
    expect(() => openDisk(child)).toThrow(expect.objectContaining({ code: 'corrupt', message: expect.stringMatching(/expects 0000beef \(parent changed after the snapshot\)/) }));
    fs.writeFileSync(child, 'version=1\nCID=1\nparentCID=2\nparentFileNameHint="C:\\VMs\\gone.vmdk"\ncreateType="monolithicFlat"\nRW 8 FLAT "multi-f1.bin" 0\n');
    expect(() => openDisk(child)).toThrow(expect.objectContaining({ code: 'missing-extent', file: path.join(dir, 'gone.vmdk') }));
    fs.writeFileSync(child, 'version=1\nCID=1\nparentCID=1\nparentFileNameHint="child.vmdk"\ncreateType="monolithicFlat"\nRW 8 FLAT "multi-f1.bin" 0\n');
    expect(() => openDisk(child)).toThrow(/snapshot chain loops back/);
    const mono = path.join(dir, 'mono.vmdk');
    fs.writeFileSync(mono, 'version=1\ncreateType="monolithicSparse"\nRW 8 SPARSE "x.vmdk"\n');
    expect(() => openDisk(mono)).toThrow(/standalone descriptor cannot have createType monolithicSparse/);
  });
});

describe('sparse images we create', () => {
  it('embeds a descriptor and bumps its CID on the first write only', () => {
    const file = path.join(dir, 'new.vmdk');
    createSparseVmdk(file, 3 * 1024 * 1024 + 100, { adapterType: 'lsilogic' });
    const d = openDisk(file);
    expect(d.size).toBe(3 * 1024 * 1024 + 512); // rounded up to a sector
    const cid0 = d.info().cid;
    d.write(100, Buffer.from('x'));
    const cid1 = d.info().cid;
    d.write(200, Buffer.from('y'));
    expect(cid1).not.toBe(cid0);
    expect(d.info().cid).toBe(cid1);
    expect(d.info()).toMatchObject({ subformat: 'monolithicSparse', extents: [{ type: 'SPARSE', version: 1, grainSize: 128, compressed: false }] });
    d.close();
    const text = fs.readFileSync(file).subarray(512, 512 * 21).toString('latin1');
    expect(text).toContain(`CID=${cid1}`);
    expect(text).toContain('ddb.adapterType = "lsilogic"');
    expect(text).toContain('ddb.geometry.heads = "255"');
  });

  it('keeps new GT entries in memory until flush: data first, metadata after', () => {
    const file = path.join(dir, 'order.vmdk');
    createSparseVmdk(file, 1 << 20);
    const w = openDisk(file);
    w.write(70_000, Buffer.from('later'));
    const peek = () => {
      const r = openDisk(file, { readOnly: true });
      const b = Buffer.alloc(5);
      r.read(70_000, b);
      r.close();
      return b.toString('latin1');
    };
    const got = Buffer.alloc(5);
    w.read(70_000, got);
    expect(got.toString()).toBe('later'); // this handle sees its own write
    expect(peek()).toBe('\0\0\0\0\0'); // the GT entry is not on disk yet
    w.flush();
    expect(peek()).toBe('later');
    w.write(200_000, Buffer.from('close'));
    w.close(); // close commits too
    const r = openDisk(file, { readOnly: true });
    r.read(200_000, got);
    expect(got.toString()).toBe('close');
    expect(r.check()).toEqual([]);
    r.close();
  });

  it('allocates nothing for all-zero writes', () => {
    const file = path.join(dir, 'zeros.vmdk');
    createSparseVmdk(file, 1 << 20);
    const size = fs.statSync(file).size;
    const d = openDisk(file);
    d.write(0, Buffer.alloc(1 << 20));
    d.close();
    expect(fs.statSync(file).size).toBe(size);
  });

  it('allocates a grain table when a GD entry is empty, in GD and RGD alike', () => {
    const file = path.join(dir, 'nogt.vmdk');
    createSparseVmdk(file, 64 * 1024 * 1024); // 2 grain tables
    const b = fs.readFileSync(file);
    for (const off of [48, 56]) b.writeUInt32LE(0, Number(b.readBigUInt64LE(off)) * 512 + 4); // drop GT 1
    fs.writeFileSync(file, b);
    const d = openDisk(file);
    d.write(40 * 1024 * 1024, Buffer.from('deep'));
    d.close();
    const r = openDisk(file, { readOnly: true });
    const got = Buffer.alloc(4);
    r.read(40 * 1024 * 1024, got);
    expect(got.toString()).toBe('deep');
    expect(r.check()).toEqual([]);
    r.close();
  });
});

describe('streamOptimized with the grain directory at the end (VMware/OVA layout)', () => {
  it('reads through the footer header', () => {
    const S = 512;
    const grain0 = Buffer.alloc(65536);
    for (let i = 0; i < grain0.length; i++) grain0[i] = (i * 7) & 0xff;
    const packed = deflateSync(grain0);
    const marker = (val: number, size: number, type: number) => {
      const m = Buffer.alloc(S);
      m.writeBigUInt64LE(BigInt(val), 0);
      m.writeUInt32LE(size, 8);
      m.writeUInt32LE(type, 12);
      return m;
    };
    const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((S - (b.length % S)) % S)]);
    const h: SparseHeader = {
      version: 3, flags: FLAG_NL_DETECT | FLAG_COMPRESSED | FLAG_MARKERS, capacity: 300, grainSize: 128,
      descriptorOffset: 0, descriptorSize: 0, numGTEsPerGT: 512, rgdOffset: 0, gdOffset: -1, overHead: 1,
      uncleanShutdown: 0, compressAlgorithm: 1,
    };
    const grainMarker = Buffer.alloc(12);
    grainMarker.writeBigUInt64LE(0n, 0);
    grainMarker.writeUInt32LE(packed.length, 8);
    const grainSectors = pad(Buffer.concat([grainMarker, packed]));
    const gtAt = 1 + grainSectors.length / S + 1; // after the GT marker
    const gt = Buffer.alloc(4 * S);
    gt.writeUInt32LE(1, 0); // grain 0 at sector 1; grains 1 and 2 unallocated
    const gdAt = gtAt + 4 + 1;
    const gd = Buffer.alloc(S);
    gd.writeUInt32LE(gtAt, 0);
    const file = path.join(dir, 'stream.vmdk');
    fs.writeFileSync(file, Buffer.concat([
      serializeSparseHeader(h), grainSectors, marker(4, 0, 1), gt, marker(1, 0, 2), gd,
      marker(1, 0, 3), serializeSparseHeader({ ...h, gdOffset: gdAt }), marker(0, 0, 0),
    ]));
    const d = openDisk(file, { readOnly: true });
    expect(d.size).toBe(300 * 512);
    const all = Buffer.alloc(d.size);
    d.read(0, all);
    expect(all.subarray(0, 65536).equals(grain0)).toBe(true);
    expect(all.subarray(65536).every((x) => x === 0)).toBe(true);
    expect(d.check()).toEqual([]);
    expect(d.info()).toMatchObject({ subformat: 'streamOptimized', extents: [{ compressed: true, version: 3 }] });
    d.close();
    expect(() => openDisk(file)).toThrow(/streamOptimized \(compressed\) extents can only be opened read-only/);
  });
});
