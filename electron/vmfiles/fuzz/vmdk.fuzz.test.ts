// Property tests of the disk-image parsers (issue 9, "the parsers the user's files reach"):
// VMDK descriptors, hosted sparse ("KDMV") headers, grain directories and tables, and
// streamOptimized markers/footers, as generated files in a VM folder. The rule for every
// case: one DiskError or a result, never another exception; a failed open writes nothing;
// no file other than the image's own is ever written (a sentinel outside the folder and
// every other file in it are compared byte for byte); every file an opened image uses is a
// regular file inside the folder; time and single allocations are bounded. Unmutated images
// must read back exactly what was written (sparse) or converted (streamOptimized, qemu-img).
// fast-check; long run: npm run fuzz:files.
import * as fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DiskError, createSparseVmdk, openDisk, type DiskImage } from '../vmdk/index';
import { withBounds, fuzzRuns, timeoutFor } from './bounds';
import { fuzzWithCoverage } from './coverage';

/** Grains may be 32 MiB (MAX_GRAIN_SECTORS) and a compressed grain twice that plus a marker. */
const BOUNDS = { maxMs: 3000, maxAllocBytes: 2 * 32 * 2 ** 20 + 4096 };
const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!haveQemuImg) process.stderr.write('SKIPPED streamOptimized fuzz seeds in vmdk.fuzz.test.ts: qemu-img not installed\n');

let root = '';
let vm = '';
let secret = '';
const SECRET = Buffer.alloc(4096, 0x5e);
const bases: Array<{ name: string; bytes: Buffer }> = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-fuzz-vmdk-'));
  secret = path.join(root, 'secret.bin');
  fs.writeFileSync(secret, SECRET);
  vm = path.join(root, 'vm');
  fs.mkdirSync(vm);
  // Seeds: a monolithicSparse with data in a few grains, the extent of a twoGbMaxExtentSparse,
  // and a streamOptimized made by qemu-img.
  const mono = path.join(root, 'mono.vmdk');
  createSparseVmdk(mono, 2 << 20);
  const d = openDisk(mono);
  d.write(0, Buffer.alloc(70_000, 0xa1));
  d.write(1_500_000, Buffer.from('grain in the second half'));
  d.close();
  bases.push({ name: 'monolithicSparse', bytes: fs.readFileSync(mono) });
  const two = path.join(root, 'two.vmdk');
  createSparseVmdk(two, 1 << 20, { subformat: 'twoGbMaxExtentSparse' });
  const t = openDisk(two);
  t.write(65536 * 3, Buffer.alloc(512, 0xb2));
  t.close();
  bases.push({ name: 'twoGb extent', bytes: fs.readFileSync(path.join(root, 'two-s001.vmdk')) });
  if (haveQemuImg) {
    const raw = path.join(root, 'so.raw');
    const img = Buffer.alloc(1 << 20);
    for (let i = 0; i < img.length; i += 4096) img.write(`sector ${i / 512}`, i);
    fs.writeFileSync(raw, img);
    const so = path.join(root, 'so.vmdk');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, so]);
    bases.push({ name: 'streamOptimized', bytes: fs.readFileSync(so) });
  }
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Replaces a file's content in place (no truncate-to-0 flush on ext4, see hostile.test.ts). */
function overwrite(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w');
  fs.writeSync(fd, data, 0, data.length, 0);
  fs.ftruncateSync(fd, data.length);
  fs.closeSync(fd);
}

function diskOr<T>(fn: () => T): T | DiskError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DiskError) return e;
    throw e;
  }
}

/** Every file below `dir` (and the sentinel) with its bytes, except those in `skip`. */
function snapshot(dir: string, skip: Set<string>): Map<string, Buffer | string> {
  const out = new Map<string, Buffer | string>();
  out.set(secret, fs.readFileSync(secret));
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (skip.has(p)) continue;
    const st = fs.lstatSync(p);
    out.set(p, st.isFile() ? fs.readFileSync(p) : `${st.mode}:${st.isSymbolicLink() ? fs.readlinkSync(p) : ''}`);
  }
  return out;
}

function expectUnchanged(before: Map<string, Buffer | string>, dir: string, skip: Set<string>): void {
  const after = snapshot(dir, skip);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [p, v] of before) {
    const now = after.get(p)!;
    expect(typeof v === 'string' ? v === now : Buffer.isBuffer(now) && v.equals(now), `${p} changed`).toBe(true);
  }
}

/** Reads a bounded sample: the start, the end and one place between. */
function sampleReads(d: DiskImage, at: number): void {
  const n = Math.min(d.size, 1 << 20);
  if (n > 0) d.read(0, Buffer.alloc(n));
  const tail = Math.min(d.size, 65536);
  if (tail > 0) d.read(d.size - tail, Buffer.alloc(tail));
  if (d.size > 512) d.read(Math.floor(at * (d.size - 512)), Buffer.alloc(512));
}

const u32s = [0, 1, 2, 3, 20, 21, 22, 25, 26, 27, 28, 127, 128, 129, 255, 256, 512, 513, 4096, 65535, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const mutation = fc.record({
  where: fc.constantFrom('header', 'metadata', 'anywhere', 'tail'),
  pos: fc.nat(),
  width: fc.constantFrom(1, 4, 8),
  value: fc.oneof(fc.constantFrom(...u32s), fc.nat({ max: 0xffffffff })),
});
const write = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 140_000 }), byte: fc.nat(255) });

function mutate(base: Buffer, ms: Array<{ where: string; pos: number; width: number; value: number }>, cut: number | null): Buffer {
  const b = Buffer.from(base);
  const overhead = Math.min(b.length, Number(b.readBigUInt64LE(64) & 0xffffffffn) * 512 || 65536);
  for (const m of ms) {
    const span = m.where === 'header' ? 80 : m.where === 'metadata' ? overhead : m.where === 'tail' ? Math.min(1536, b.length) : b.length;
    let pos = m.pos % Math.max(1, span - m.width + 1);
    if (m.where === 'tail') pos = b.length - span + pos;
    if (pos < 0 || pos + m.width > b.length) continue;
    if (m.width === 1) b[pos] = m.value & 0xff;
    else if (m.width === 4) b.writeUInt32LE(m.value >>> 0, pos);
    else b.writeBigUInt64LE(BigInt(m.value) * (m.value & 1 ? 0x100000001n : 1n), pos);
  }
  return cut === null ? b : b.subarray(0, Math.floor(cut * b.length));
}

const reached = { rw: 0, ro: 0, wrote: 0 };
type Write = { at: number; len: number; byte: number };

/** One sparse-image case: `bytes` as vm/img.vmdk, opened writable (then `writes`) and
 *  read-only (sample reads at `at`, check()); nothing but the image may change. */
function sparseCase(bytes: Buffer, writes: Write[], at: number): void {
  const img = path.join(vm, 'img.vmdk');
  if (!fs.existsSync(path.join(vm, 'neighbour.vmx'))) fs.writeFileSync(path.join(vm, 'neighbour.vmx'), 'displayName = "neighbour"\n');
  const skip = new Set([img]);
  overwrite(img, bytes);
  const before = snapshot(vm, skip);
  withBounds(BOUNDS, () => {
    const d = diskOr(() => openDisk(img, { within: vm }));
    if (d instanceof DiskError) {
      expect(fs.readFileSync(img).equals(bytes), 'a failed open wrote to the image').toBe(true);
    } else {
      reached.rw++;
      for (const w of writes) {
        const len = Math.min(w.len, d.size);
        if (len === 0) continue;
        const r = diskOr(() => d.write(Math.floor(w.at * (d.size - len)), Buffer.alloc(len, w.byte)));
        if (!(r instanceof DiskError)) reached.wrote++;
      }
      diskOr(() => d.close());
    }
  });
  withBounds(BOUNDS, () => {
    const d = diskOr(() => openDisk(img, { readOnly: true }));
    if (d instanceof DiskError) return;
    reached.ro++;
    try {
      diskOr(() => sampleReads(d, at));
      expect(Array.isArray(d.check())).toBe(true);
    } finally {
      d.close();
    }
  });
  expectUnchanged(before, vm, skip);
  // Growth is bounded by what was written: grains and tables appended for it.
  const grown = fs.statSync(img).size - bytes.length;
  expect(grown).toBeLessThanOrEqual(writes.reduce((n, w) => n + w.len, 0) * 2 + writes.length * (2 * BOUNDS.maxAllocBytes));
}

describe('sparse and streamOptimized images under mutation', () => {
  const runs = fuzzRuns(300);
  it(`DiskError or data; a failed open writes nothing; nothing outside the image is written (${runs} cases)`, () => {
    Object.assign(reached, { rw: 0, ro: 0, wrote: 0 });
    fc.assert(
      fc.property(
        fc.nat(bases.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }), fc.array(write, { maxLength: 3 }),
        (bi, ms, cut, writes) => sparseCase(mutate(bases[bi]!.bytes, ms, cut), writes, cut ?? 0.5),
      ),
      { numRuns: runs },
    );
    process.stderr.write(`vmdk fuzz (sparse): ${runs} cases, opened rw ${reached.rw} (writes accepted ${reached.wrote}), opened ro ${reached.ro}\n`);
    expect(reached.ro).toBeGreaterThan(runs / 10);
    expect(reached.wrote).toBeGreaterThan(runs / 10);
  }, timeoutFor(runs, 200));
});

describe('correct reads', () => {
  const runs = Math.min(fuzzRuns(40), 2000);
  const soRuns = Math.min(fuzzRuns(20), 500);
  it(`random writes to a fresh sparse image read back exactly, and check() finds nothing (${runs} cases)`, () => {
    let k = 0;
    fc.assert(
      fc.property(fc.boolean(), fc.array(write, { minLength: 1, maxLength: 8 }), (twoGb, writes) => {
        const file = path.join(root, `fresh${k++}.vmdk`);
        const size = 4 << 20;
        const files = createSparseVmdk(file, size, { subformat: twoGb ? 'twoGbMaxExtentSparse' : 'monolithicSparse' });
        const model = Buffer.alloc(size);
        try {
          withBounds(BOUNDS, () => {
            const d = openDisk(file);
            for (const w of writes) {
              const len = Math.min(w.len, size);
              const off = Math.floor(w.at * (size - len));
              const data = Buffer.alloc(len, w.byte);
              d.write(off, data);
              data.copy(model, off);
            }
            d.close();
            const r = openDisk(file, { readOnly: true });
            const got = Buffer.alloc(size);
            r.read(0, got);
            expect(got.equals(model)).toBe(true);
            expect(r.check()).toEqual([]);
            r.close();
          });
        } finally {
          for (const f of files) fs.rmSync(f, { force: true });
        }
      }),
      { numRuns: runs },
    );
  }, timeoutFor(runs, 500));

  it.skipIf(!haveQemuImg)(`streamOptimized images made by qemu-img read back as the raw data (${soRuns} cases)`, () => {
    let k = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2047), fc.nat(255)), { maxLength: 12 }), (pokes) => {
        const raw = Buffer.alloc(1 << 20);
        for (const [sector, byte] of pokes) raw.fill(byte, sector * 512, sector * 512 + 512);
        const rawFile = path.join(root, `so${k}.raw`);
        const so = path.join(root, `so${k++}.vmdk`);
        fs.writeFileSync(rawFile, raw);
        execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', rawFile, so]);
        try {
          withBounds(BOUNDS, () => {
            const d = openDisk(so, { readOnly: true });
            const got = Buffer.alloc(raw.length);
            d.read(0, got);
            d.close();
            expect(got.equals(raw)).toBe(true);
          });
        } finally {
          fs.rmSync(rawFile);
          fs.rmSync(so);
        }
      }),
      { numRuns: soRuns },
    );
  }, timeoutFor(soRuns, 1000));
});

/** The crafted VM folder of the descriptor cases: extents and parents of every kind a
 *  hostile descriptor may name (symlinks out and in, a FIFO, a directory, a device, the
 *  descriptor itself). */
function craftedFolder() {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(root, 'crafted-')));
  fs.writeFileSync(path.join(dir, 'a-flat.vmdk'), Buffer.alloc(65536, 0x11));
  fs.writeFileSync(path.join(dir, 'b-s001.vmdk'), bases[1]!.bytes);
  const parent = path.join(dir, 'parent.vmdk');
  fs.writeFileSync(parent, bases[0]!.bytes);
  const probe = openDisk(parent, { readOnly: true });
  const parentCid = probe.info().cid!;
  probe.close();
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  fs.mkdirSync(path.join(dir, 'dir'));
  if (process.getuid?.() === 0) execFileSync('mknod', [path.join(dir, 'dev'), 'c', '1', '3']);
  fs.symlinkSync(secret, path.join(dir, 'out-link'));
  fs.symlinkSync('a-flat.vmdk', path.join(dir, 'in-link'));
  fs.symlinkSync('..', path.join(dir, 'up'));
  fs.symlinkSync('desc.vmdk', path.join(dir, 'self-link'));
  const desc = path.join(dir, 'desc.vmdk');
  let opened = 0;
  /** One case: `t` as desc.vmdk, opened (writable unless `readOnly`), files checked. */
  const run = (t: string, readOnly: boolean): void => {
    overwrite(desc, Buffer.from(t, 'latin1'));
    const before = snapshot(dir, new Set([desc]));
    let touched = new Set<string>([desc]);
    withBounds(BOUNDS, () => {
      const d = diskOr(() => openDisk(desc, { readOnly }));
      if (d instanceof DiskError) return;
      opened++;
      try {
        const files: string[] = [];
        for (let info: ReturnType<DiskImage['info']> | undefined = d.info(); info; info = info.backing) files.push(...info.files);
        for (const f of files) {
          const real = fs.realpathSync(f);
          expect(path.dirname(real), `${f} is outside the folder`).toBe(dir);
          expect(fs.lstatSync(real).isFile(), `${f} is not a regular file`).toBe(true);
        }
        touched = new Set([desc, ...d.info().files.map((f) => fs.realpathSync(f))]);
        if (!readOnly && d.size >= 512) {
          diskOr(() => d.write(0, Buffer.alloc(512, 0x77)));
          diskOr(() => d.write(d.size - 512, Buffer.alloc(512, 0x78)));
        }
        diskOr(() => sampleReads(d, 0.5));
      } finally {
        diskOr(() => d.close());
      }
    });
    // Only the files of the disk that opened (and its descriptor's CID) may change.
    const after = snapshot(dir, new Set([desc]));
    for (const [p, v] of before) {
      if (touched.has(p) || (fs.existsSync(p) && touched.has(fs.realpathSync(p)))) continue;
      const now = after.get(p);
      expect(typeof v === 'string' ? v === now : Buffer.isBuffer(now) && v.equals(now), `${p} changed`).toBe(true);
    }
    // Restore what the disk may have changed, for the next case.
    if (touched.has(path.join(dir, 'a-flat.vmdk'))) overwrite(path.join(dir, 'a-flat.vmdk'), Buffer.alloc(65536, 0x11));
    if (touched.has(path.join(dir, 'b-s001.vmdk'))) overwrite(path.join(dir, 'b-s001.vmdk'), bases[1]!.bytes);
    if (touched.has(parent)) overwrite(parent, bases[0]!.bytes);
  };
  return { dir, desc, parentCid, run, opened: () => opened };
}

describe('generated descriptors in a crafted VM folder', () => {
  const runs = fuzzRuns(150);
  it(`DiskError or a disk whose every file is a regular file inside the folder; nothing else written (${runs} cases)`, () => {
    const { parentCid, run, opened } = craftedFolder();
    const NAMES = ['a-flat.vmdk', 'b-s001.vmdk', 'parent.vmdk', 'fifo', 'dir', 'dev', 'out-link', 'in-link', 'self-link', 'desc.vmdk',
      'up/secret.bin', '../secret.bin', secret, 'dir/../a-flat.vmdk', 'missing.vmdk', 'C:\\VMs\\parent.vmdk', '', 'x'.repeat(300)];
    const SECTORS = [0, 1, 8, 16, 128, 2048, 4096, 2 ** 37, 2 ** 37 + 1, 2 ** 53];
    // Mostly plausible choices, some hostile ones: a generator that never opens tests little.
    const pick = <T,>(good: T[], bad: T[]) => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
    const name = fc.oneof({ weight: 2, arbitrary: fc.constantFrom('a-flat.vmdk', 'b-s001.vmdk', 'in-link', 'dir/../a-flat.vmdk') }, { weight: 1, arbitrary: fc.constantFrom(...NAMES) });
    const extent = fc.tuple(
      pick(['RW', 'RDONLY'], ['NOACCESS', 'rw']), fc.oneof({ weight: 4, arbitrary: fc.constantFrom(8, 16, 128, 2048) }, { weight: 1, arbitrary: fc.constantFrom(...SECTORS) }, { weight: 1, arbitrary: fc.nat(10_000) }),
      pick(['FLAT', 'SPARSE', 'ZERO', 'VMFS'], ['VMFSSPARSE', 'SESPARSE', 'VMFSRDM', 'FLOP']), name,
      fc.option(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1, 64) }, { weight: 1, arbitrary: fc.constantFrom(127, 2 ** 43, 2 ** 43 + 1, 2 ** 60) }, { weight: 1, arbitrary: fc.nat(1 << 20) }), { freq: 4 }),
    ).map(([a, n, t, f, off]) => `${a} ${n} ${t}${t === 'ZERO' && f === '' ? '' : ` "${f}"`}${off === null ? '' : ` ${off}`}`);
    const header = pick(['CID=fffffffe', 'encoding="UTF-8"', 'ddb.adapterType = "ide"', '# comment', '', 'createType="twoGbMaxExtentSparse"', 'createType="twoGbMaxExtentFlat"', 'createType="vmfs"'],
      ['version=3', 'version=4', 'version=x', 'CID=zz', 'parentCID=12345678', 'createType="monolithicSparse"', 'createType="bogus"', 'junk line', '\0\0']);
    const parentLines = fc.option(name.map((n) => [`parentCID=${parentCid}`, `parentFileNameHint="${n === 'a-flat.vmdk' ? 'parent.vmdk' : n}"`]), { freq: 3 });
    const text = fc.tuple(fc.array(header, { maxLength: 6 }), parentLines, fc.array(extent, { minLength: 1, maxLength: 4 }), fc.constantFrom('\n', '\r\n'))
      .map(([hs, pl, es, eol]) => ['# Disk DescriptorFile', 'version=1', 'createType="monolithicFlat"', ...hs, ...(pl ?? []), ...es].join(eol) + eol);

    fc.assert(
      fc.property(text, fc.boolean(), (t, readOnly) => {
        run(t, readOnly);
      }),
      { numRuns: runs },
    );
    process.stderr.write(`vmdk fuzz (descriptors): ${runs} cases, opened ${opened()}\n`);
    expect(opened()).toBeGreaterThan(runs / 20);
  }, timeoutFor(runs, 100));
});

describe('coverage-guided (V8 block coverage, fuzz/coverage.ts)', () => {
  const execs = fuzzRuns(400);
  const seed = Number(process.env.VIREO_FUZZ_SEED ?? Date.now() % 2 ** 31);
  it(`sparse/streamOptimized images: same rule, inputs that reach new blocks kept (${execs} execs)`, () => {
    const r = fuzzWithCoverage({
      name: 'vmdk-sparse',
      seeds: bases.map((b) => b.bytes),
      maxLen: 4 << 20,
      dictionary: [Buffer.from('KDMV'), Buffer.from('COWD'), Buffer.from([0x0a, 0x20, 0x0d, 0x0a]), Buffer.from('version=1\n'), Buffer.from('createType="monolithicSparse"\n')],
      run: (data) => sparseCase(data, [{ at: (data.length % 101) / 101, len: 4096, byte: 0x5a }], 0.5),
    }, { execs, seed });
    process.stderr.write(`vmdk coverage fuzz (sparse): ${r.execs} execs in ${(r.ms / 1000).toFixed(1)} s, corpus ${r.corpus}, features ${r.features}, seed ${seed}\n`);
    expect(r.corpus).toBeGreaterThan(bases.length);
  }, timeoutFor(execs, 300));

  it(`descriptors in the crafted folder: same rule (${execs} execs)`, () => {
    const folder = craftedFolder();
    const seedTexts = [
      'version=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 128 FLAT "a-flat.vmdk" 0\n',
      'version=1\ncreateType="twoGbMaxExtentSparse"\nRW 2048 SPARSE "b-s001.vmdk"\nRW 8 ZERO\n',
      `version=1\nCID=1\nparentCID=${folder.parentCid}\nparentFileNameHint="parent.vmdk"\ncreateType="monolithicFlat"\nRW 4096 ZERO\n`,
    ];
    const r = fuzzWithCoverage({
      name: 'vmdk-descriptor',
      seeds: seedTexts.map((t) => Buffer.from(t, 'latin1')),
      maxLen: 8192,
      // Words (the fuzzer also swaps one for the word at a position: extent file names).
      dictionary: ['RW', 'RDONLY', 'NOACCESS', 'FLAT', 'SPARSE', 'ZERO', 'VMFS', '../secret.bin', 'out-link', 'fifo', 'dir', 'dev', 'self-link', 'in-link',
        'up/secret.bin', secret, 'parent.vmdk', 'b-s001.vmdk', 'parentFileNameHint', 'parentCID', 'CID', 'createType', 'monolithicSparse', '8796093022208', '0', '\r\n', '\0']
        .map((t) => Buffer.from(t, 'latin1')),
      run: (data) => folder.run(data.toString('latin1'), (data.length & 1) === 1),
    }, { execs, seed });
    process.stderr.write(`vmdk coverage fuzz (descriptors): ${r.execs} execs in ${(r.ms / 1000).toFixed(1)} s, corpus ${r.corpus}, features ${r.features}, opened ${folder.opened()}, seed ${seed}\n`);
    expect(r.corpus).toBeGreaterThan(seedTexts.length);
  }, timeoutFor(execs, 300));
});

