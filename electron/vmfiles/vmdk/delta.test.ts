// Delta disks as snapshots use them: createDeltaVmdk (VMware's monolithicSparse layout with
// parentCID + parentFileNameHint), ownRanges (what a merge copies), keepCid, and
// setParentLink (re-pointing a delta). qemu-img (Debian qemu-utils) checks what we write.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeltaVmdk, createSparseVmdk, openDisk, setParentLink } from './index';

const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!haveQemuImg && process.env.VIREO_REQUIRE_TOOLS === '1') throw new Error('VIREO_REQUIRE_TOOLS=1 but qemu-img is not on PATH');
if (!haveQemuImg) console.warn('SKIPPED qemu-img cross-checks in vmdk/delta.test.ts: qemu-img not installed (Debian qemu-utils)');
const qemu = (...args: string[]) => execFileSync('qemu-img', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-delta-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const MiB = 1024 * 1024;
let n = 0;
const dirFor = () => {
  const d = path.join(tmp, `case${n++}`);
  fs.mkdirSync(d);
  return d;
};

function cidOf(file: string): number {
  const d = openDisk(file, { readOnly: true });
  try {
    return parseInt(d.info().cid!, 16);
  } finally {
    d.close();
  }
}

function deltaOn(dir: string, parent: string, name: string, tmpName?: string): string {
  const p = openDisk(path.join(dir, parent), { readOnly: true });
  const info = p.info();
  p.close();
  const file = path.join(dir, tmpName ?? name);
  createDeltaVmdk(file, {
    parentCid: parseInt(info.cid!, 16),
    parentFileNameHint: parent,
    capacitySectors: info.virtualSize / 512,
    grainSectors: info.extents[0].grainSize ?? 128,
    extentFileName: name,
    ddb: info.ddb ?? [],
  });
  if (tmpName) fs.renameSync(file, path.join(dir, name));
  return path.join(dir, name);
}

function writeAt(file: string, offset: number, data: Buffer, opts: { keepCid?: boolean } = {}): void {
  const d = openDisk(file, opts);
  d.write(offset, data);
  d.close();
}

function readAll(file: string): Buffer {
  const d = openDisk(file, { readOnly: true });
  const b = Buffer.alloc(d.size);
  d.read(0, b);
  d.close();
  return b;
}

describe('createDeltaVmdk', () => {
  it('writes a delta qemu-img follows and checks, which reads the parent and takes the writes', () => {
    const dir = dirFor();
    const base = path.join(dir, 'base.vmdk');
    createSparseVmdk(base, 8 * MiB, { adapterType: 'lsilogic' });
    writeAt(base, 0, Buffer.alloc(64 * 1024, 0xaa));
    const baseBytes = fs.readFileSync(base);
    // Written under a temporary name that the extent line does not use, as snapshots do.
    const delta = deltaOn(dir, 'base.vmdk', 'base-000001.vmdk', '.base-000001.vmdk.tmp');
    const text = fs.readFileSync(delta).subarray(512, 512 * 21).toString('utf8').replace(/\0+$/, '');
    expect(text).toContain('createType="monolithicSparse"');
    expect(text).toContain('parentFileNameHint="base.vmdk"');
    expect(text).toContain(`parentCID=${cidOf(base).toString(16).padStart(8, '0')}`);
    expect(text).toContain('RW 16384 SPARSE "base-000001.vmdk"');
    expect(text).toContain('ddb.adapterType = "lsilogic"');
    expect(readAll(delta).subarray(0, 64 * 1024).every((b) => b === 0xaa)).toBe(true);
    writeAt(delta, 4096, Buffer.alloc(512, 0x55));
    const after = readAll(delta);
    expect(after[4095]).toBe(0xaa);
    expect(after[4096]).toBe(0x55);
    expect(fs.readFileSync(base).equals(baseBytes)).toBe(true);
    if (haveQemuImg) {
      const chain = JSON.parse(qemu('info', '--backing-chain', '--output=json', delta)) as Array<{ filename: string; 'backing-filename'?: string; 'virtual-size': number }>;
      expect(chain.map((c) => path.basename(c.filename))).toEqual(['base-000001.vmdk', 'base.vmdk']);
      expect(chain[0]['backing-filename']).toBe('base.vmdk');
      expect(chain[0]['virtual-size']).toBe(8 * MiB);
      qemu('check', delta);
      const raw = path.join(dir, 'flat.raw');
      fs.writeFileSync(raw, after);
      expect(qemu('compare', '-f', 'vmdk', '-F', 'raw', delta, raw)).toContain('Images are identical');
    }
  });

  it('refuses names that cannot stand in a descriptor and never overwrites', () => {
    const dir = dirFor();
    createSparseVmdk(path.join(dir, 'b.vmdk'), MiB);
    expect(() => deltaOn(dir, 'b.vmdk', 'x"y.vmdk')).toThrow(/cannot be written into a descriptor/);
    expect(() => deltaOn(dir, 'b.vmdk', 'b.vmdk')).toThrow(/already exists/);
    expect(() => createSparseVmdk(path.join(dir, 'q"uote.vmdk'), MiB)).toThrow(/cannot contain quotes/);
    expect(fs.existsSync(path.join(dir, 'q"uote.vmdk'))).toBe(false);
  });
});

describe('ownRanges', () => {
  it('lists the grains a delta holds, coalesced; a flat disk owns everything', () => {
    const dir = dirFor();
    createSparseVmdk(path.join(dir, 'b.vmdk'), 64 * MiB);
    const delta = deltaOn(dir, 'b.vmdk', 'b-000001.vmdk');
    writeAt(delta, 100, Buffer.alloc(10, 1)); // grain 0
    writeAt(delta, 65536 + 5, Buffer.alloc(10, 1)); // grain 1
    writeAt(delta, 40 * MiB, Buffer.alloc(70000, 1)); // grains 640-641, second grain table
    const d = openDisk(delta, { readOnly: true });
    expect([...d.ownRanges()]).toEqual([[0, 131072], [40 * MiB, 131072]]);
    d.close();
    const raw = path.join(dir, 'r.img');
    fs.writeFileSync(raw, Buffer.alloc(3 * 512));
    const r = openDisk(raw, { readOnly: true });
    expect([...r.ownRanges()]).toEqual([[0, 1536]]);
    r.close();
  });
});

describe('keepCid', () => {
  it('writes leave the CID alone, so a child stays valid', () => {
    const dir = dirFor();
    const base = path.join(dir, 'b.vmdk');
    createSparseVmdk(base, MiB);
    const delta = deltaOn(dir, 'b.vmdk', 'b-000001.vmdk');
    const cid = cidOf(base);
    writeAt(base, 0, Buffer.alloc(512, 7), { keepCid: true });
    expect(cidOf(base)).toBe(cid);
    expect(readAll(delta)[0]).toBe(7);
    writeAt(base, 0, Buffer.alloc(512, 8));
    expect(cidOf(base)).not.toBe(cid);
    expect(() => openDisk(delta, { readOnly: true })).toThrow(/parent changed after the snapshot/);
  });
});

describe('setParentLink', () => {
  it('re-points an embedded descriptor, changing only its two parent lines', () => {
    const dir = dirFor();
    createSparseVmdk(path.join(dir, 'a.vmdk'), MiB);
    writeAt(path.join(dir, 'a.vmdk'), 0, Buffer.alloc(512, 0xa1));
    deltaOn(dir, 'a.vmdk', 'a-000001.vmdk');
    const c = deltaOn(dir, 'a-000001.vmdk', 'a-000002.vmdk');
    const before = fs.readFileSync(c);
    setParentLink(c, { cid: cidOf(path.join(dir, 'a.vmdk')), fileNameHint: 'a.vmdk' }, fs.realpathSync(dir));
    const after = fs.readFileSync(c);
    expect(after.length).toBe(before.length);
    const lines = (b: Buffer) => b.subarray(512, 512 * 21).toString('utf8').replace(/\0+$/, '').split('\n');
    const changed = lines(after).filter((l, i) => l !== lines(before)[i]);
    expect(changed.map((l) => l.split('=')[0])).toEqual(['parentCID', 'parentFileNameHint']);
    expect(after.subarray(0, 512).equals(before.subarray(0, 512))).toBe(true);
    expect(after.subarray(512 * 21).equals(before.subarray(512 * 21))).toBe(true);
    const d = openDisk(c, { readOnly: true });
    expect(path.basename(d.info().backing!.files[0])).toBe('a.vmdk');
    d.close();
    expect(readAll(c)[0]).toBe(0xa1);
    if (haveQemuImg) expect(JSON.parse(qemu('info', '--output=json', c))['backing-filename']).toBe('a.vmdk');
  });

  it.runIf(haveQemuImg)('re-points a descriptor file (twoGbMaxExtentSparse delta) atomically', () => {
    const dir = dirFor();
    createSparseVmdk(path.join(dir, 'a.vmdk'), MiB);
    qemu('create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicSparse', '-b', 'a.vmdk', '-F', 'vmdk', path.join(dir, 'mid.vmdk'));
    qemu('create', '-q', '-f', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse', '-b', 'mid.vmdk', '-F', 'vmdk', path.join(dir, 'top.vmdk'));
    setParentLink(path.join(dir, 'top.vmdk'), { cid: cidOf(path.join(dir, 'a.vmdk')), fileNameHint: 'a.vmdk' }, fs.realpathSync(dir));
    expect(JSON.parse(qemu('info', '--output=json', path.join(dir, 'top.vmdk')))['backing-filename']).toBe('a.vmdk');
    qemu('check', path.join(dir, 'top.vmdk'));
  });

  it('refuses a disk without a parent and a hint with a quote', () => {
    const dir = dirFor();
    createSparseVmdk(path.join(dir, 'a.vmdk'), MiB);
    expect(() => setParentLink(path.join(dir, 'a.vmdk'), { cid: 1, fileNameHint: 'x.vmdk' }, fs.realpathSync(dir))).toThrow(/not a delta disk/);
    expect(() => setParentLink(path.join(dir, 'a.vmdk'), { cid: 1, fileNameHint: 'x".vmdk' }, fs.realpathSync(dir))).toThrow(/cannot be written/);
  });
});
