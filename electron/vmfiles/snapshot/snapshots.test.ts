// Take, list, revert and delete on real VM folders, checked with qemu-img (Debian
// qemu-utils): qemu follows our delta chain (`info --backing-chain`), `check` passes on
// every delta, reverting gives the snapshot's bytes back, and after a delete `compare`
// agrees with a flat copy of every state made before it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HAVE_QEMU_IMG, MiB, folderDigest, makeVm, pattern, qemuCheckAll, qemuFlatCopy, qemuImg, qemuSame, readGuest, vmxValue, writeGuest,
} from '../../testing/snapshotVm';
import { deleteSnapshot, listSnapshots, readIndex, revertSnapshot, takeSnapshot } from './index';
import { indexPathFor } from './snapshotIndex';

if (!HAVE_QEMU_IMG) console.warn('SKIPPED qemu-img checks in snapshot/snapshots.test.ts: qemu-img not installed (Debian qemu-utils)');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-snap-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let cases = 0;
const newDir = () => path.join(tmp, `vm${cases++}`);

const SIZE = 8 * MiB;
const BASE = pattern(1 * MiB, 7);

function vmWithOneDisk(): { dir: string; vmx: string } {
  const dir = newDir();
  return { dir, vmx: makeVm(dir, 'Test VM', [{ node: 'scsi0:0', file: 'disk.vmdk', size: SIZE, content: BASE }]) };
}
const current = (vmx: string, node = 'scsi0:0') => path.join(path.dirname(vmx), vmxValue(vmx, `${node}.fileName`)!);

describe('take', () => {
  it('freezes the disk, starts NAME-000001.vmdk above it, points the .vmx at it; qemu-img reads the chain', () => {
    const { dir, vmx } = vmWithOneDisk();
    const vmxBefore = fs.readFileSync(vmx, 'utf8');
    const baseBefore = fs.readFileSync(path.join(dir, 'disk.vmdk'));
    const r = takeSnapshot(vmx, 'Clean', 'before the update', new Date('2026-12-04T10:00:00Z'));
    expect(r.lines).toEqual(["took snapshot 'Clean': scsi0:0 now writes to disk-000001.vmdk"]);
    // Only the fileName line of the .vmx changed.
    const vmxAfter = fs.readFileSync(vmx, 'utf8');
    expect(vmxAfter).toBe(vmxBefore.replace('scsi0:0.fileName = "disk.vmdk"', 'scsi0:0.fileName = "disk-000001.vmdk"'));
    expect(vmxAfter).not.toMatch(/snapshot|checkpoint/i);
    const { index } = readIndex(indexPathFor(vmx));
    expect(index).toEqual({
      version: 1, lastId: 1, current: 1, deltas: ['disk-000001.vmdk'],
      snapshots: [{ id: 1, name: 'Clean', description: 'before the update', created: '2026-12-04T10:00:00.000Z', parent: null, disks: [{ node: 'scsi0:0', file: 'disk.vmdk' }] }],
    });
    expect(JSON.parse(fs.readFileSync(indexPathFor(vmx), 'utf8'))).toMatchObject({ format: 'vireo-snapshots', version: 1 });
    // The guest's writes go to the delta; the frozen file is not touched.
    writeGuest(current(vmx), 4096, pattern(8192, 99));
    expect(fs.readFileSync(path.join(dir, 'disk.vmdk')).equals(baseBefore)).toBe(true);
    const seen = readGuest(current(vmx));
    expect(seen.subarray(0, 4096).equals(BASE.subarray(0, 4096))).toBe(true);
    expect(seen.subarray(4096, 12288).equals(pattern(8192, 99))).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lck'))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'Test VM.vmsd'))).toBe(false);
    if (HAVE_QEMU_IMG) {
      const chain = JSON.parse(qemuImg('info', '--backing-chain', '--output=json', current(vmx))) as Array<{ filename: string; format: string; 'virtual-size': number }>;
      expect(chain.map((c) => [path.basename(c.filename), c.format, c['virtual-size']])).toEqual([['disk-000001.vmdk', 'vmdk', SIZE], ['disk.vmdk', 'vmdk', SIZE]]);
      expect(qemuCheckAll(dir)).toEqual(['disk-000001.vmdk', 'disk.vmdk']);
    }
  });

  it('refuses a name that is taken, empty or has control characters; nothing changes', () => {
    const { dir, vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'A');
    const before = folderDigest(dir);
    expect(() => takeSnapshot(vmx, 'A')).toThrow(/a snapshot named "A" exists already: choose another name/);
    expect(() => takeSnapshot(vmx, '  ')).toThrow(/is empty.*choose another/);
    expect(() => takeSnapshot(vmx, 'a\nb')).toThrow(/control characters/);
    expect(folderDigest(dir)).toEqual(before);
  });

  it('snapshots every disk and leaves independent disks out, as VMware does', () => {
    const dir = newDir();
    const vmx = makeVm(dir, 'Two', [
      { node: 'scsi0:0', file: 'sys.vmdk', size: SIZE },
      { node: 'scsi0:1', file: 'data.vmdk', size: 2 * MiB },
      { node: 'scsi0:2', file: 'scratch.vmdk', size: MiB, mode: 'independent-persistent' },
    ]);
    const r = takeSnapshot(vmx, 'Both');
    expect(r.lines).toEqual([
      'scsi0:2 (scratch.vmdk) is independent-persistent: left out of snapshots, as VMware does',
      "took snapshot 'Both': scsi0:0 now writes to sys-000001.vmdk, scsi0:1 now writes to data-000001.vmdk",
    ]);
    expect(vmxValue(vmx, 'scsi0:2.fileName')).toBe('scratch.vmdk');
    expect(readGuest(path.join(dir, 'data-000001.vmdk')).length).toBe(2 * MiB);
  });
});

describe('revert', () => {
  it('gives the snapshot bytes back, keeps the snapshot, and removes the discarded delta', () => {
    const { dir, vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'Clean');
    writeGuest(current(vmx), 0, pattern(MiB, 1));
    writeGuest(current(vmx), 5 * MiB, pattern(4096, 2));
    const r = revertSnapshot(vmx, 'Clean');
    expect(r.lines).toEqual(["reverted to snapshot 'Clean': scsi0:0 now writes to disk-000002.vmdk", 'removed disk-000001.vmdk']);
    expect(readGuest(current(vmx)).equals(readGuest(path.join(dir, 'disk.vmdk')))).toBe(true);
    expect(readGuest(current(vmx)).subarray(0, MiB).equals(BASE)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'disk-000001.vmdk'))).toBe(false);
    const { index } = readIndex(indexPathFor(vmx));
    expect(index.snapshots.map((s) => s.name)).toEqual(['Clean']);
    expect(index.deltas).toEqual(['disk-000002.vmdk']);
    expect(index.current).toBe(1);
    // Reverting again works the same (the snapshot is kept).
    writeGuest(current(vmx), 0, pattern(512, 3));
    revertSnapshot(vmx, 'Clean');
    expect(readGuest(current(vmx)).subarray(0, MiB).equals(BASE)).toBe(true);
    if (HAVE_QEMU_IMG) expect(qemuCheckAll(dir)).toEqual(['disk-000001.vmdk', 'disk.vmdk']);
  });

  it('reverts within a tree; list shows the branches with "you are here"', () => {
    const { dir, vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'One', 'first', new Date('2026-12-04T10:00:00Z'));
    writeGuest(current(vmx), 0, pattern(4096, 11));
    takeSnapshot(vmx, 'Two', '', new Date('2026-12-04T11:00:00Z'));
    const two = readGuest(current(vmx));
    writeGuest(current(vmx), 0, pattern(4096, 12));
    revertSnapshot(vmx, 'One');
    writeGuest(current(vmx), 8192, pattern(4096, 13));
    takeSnapshot(vmx, 'Three', '', new Date('2026-12-04T12:00:00Z'));
    expect(listSnapshots(vmx)).toBe([
      'Test VM.vmx: 3 snapshots',
      '└─ One  2026-12-04 10:00 UTC  — first',
      '   ├─ Two  2026-12-04 11:00 UTC',
      '   └─ Three  2026-12-04 12:00 UTC',
      '      └─ ▶ you are here',
      '',
    ].join('\n'));
    revertSnapshot(vmx, 'Two');
    expect(readGuest(current(vmx)).equals(two)).toBe(true);
    expect(listSnapshots(vmx)).toContain('   ├─ Two  2026-12-04 11:00 UTC\n   │  └─ ▶ you are here\n   └─ Three');
    if (HAVE_QEMU_IMG) qemuCheckAll(dir);
  });
});

describe('delete', () => {
  it.runIf(HAVE_QEMU_IMG)('consolidates into the parent; qemu-img compare agrees with flat copies of every state', () => {
    const { dir, vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'S1');
    writeGuest(current(vmx), 0, pattern(3 * 65536 + 100, 21)); // partial grain at the end
    writeGuest(current(vmx), 6 * MiB, pattern(4096, 22));
    takeSnapshot(vmx, 'S2');
    writeGuest(current(vmx), 65536, pattern(65536, 23)); // overwrites part of S2's data
    writeGuest(current(vmx), 7 * MiB, pattern(512, 24));
    const flat = (name: string, file: string) => qemuFlatCopy(file, path.join(tmp, `${path.basename(dir)}-${name}.raw`));
    const s1 = flat('s1', path.join(dir, 'disk.vmdk'));
    const s2 = flat('s2', path.join(dir, 'disk-000001.vmdk'));
    const now = flat('now', current(vmx));
    const steps: Array<[number, number]> = [];
    const r = deleteSnapshot(vmx, 'S2', (_from, _into, done, total) => steps.push([done, total]));
    expect(r.lines).toEqual(["deleted snapshot 'S2'", 'consolidated disk-000002.vmdk into disk-000001.vmdk', 'removed disk-000002.vmdk']);
    expect(steps[0]).toEqual([0, 2 * 65536]);
    expect(steps[steps.length - 1]).toEqual([2 * 65536, 2 * 65536]);
    expect(vmxValue(vmx, 'scsi0:0.fileName')).toBe('disk-000001.vmdk');
    expect(qemuSame(now, current(vmx))).toBe(true);
    expect(qemuSame(s1, path.join(dir, 'disk.vmdk'))).toBe(true);
    expect(qemuCheckAll(dir)).toEqual(['disk-000001.vmdk', 'disk.vmdk']);
    expect(fs.existsSync(s2)).toBe(true);
    // The last snapshot: its delta goes into the base disk itself, as VMware does.
    const r2 = deleteSnapshot(vmx, 'S1');
    expect(r2.lines).toEqual(["deleted snapshot 'S1'", 'consolidated disk-000001.vmdk into disk.vmdk', 'removed disk-000001.vmdk']);
    expect(vmxValue(vmx, 'scsi0:0.fileName')).toBe('disk.vmdk');
    expect(qemuSame(now, path.join(dir, 'disk.vmdk'))).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['Test VM.vireo-snapshots', 'Test VM.vmx', 'disk.vmdk']);
    expect(readIndex(indexPathFor(vmx)).index).toMatchObject({ snapshots: [], deltas: [], current: null });
    expect(listSnapshots(vmx)).toBe('Test VM.vmx: no snapshots\n└─ ▶ you are here\n');
    qemuImg('check', path.join(dir, 'disk.vmdk'));
  });

  it.runIf(HAVE_QEMU_IMG)('deleting a middle snapshot re-points the delta above it at the merged file', () => {
    const { dir, vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'A');
    writeGuest(current(vmx), 0, pattern(65536, 31));
    takeSnapshot(vmx, 'B');
    writeGuest(current(vmx), 65536, pattern(65536, 32));
    takeSnapshot(vmx, 'C');
    writeGuest(current(vmx), 2 * 65536, pattern(65536, 33));
    const states = ['disk.vmdk', 'disk-000001.vmdk', 'disk-000002.vmdk', 'disk-000003.vmdk'].map((f, i) => qemuFlatCopy(path.join(dir, f), path.join(tmp, `${path.basename(dir)}-${i}.raw`)));
    // B's file is disk-000001; its one child disk-000002 (C's file) is written into it and
    // disk-000003 (the present state) is re-pointed at disk-000001.
    const r = deleteSnapshot(vmx, 'B');
    expect(r.lines).toEqual(["deleted snapshot 'B'", 'consolidated disk-000002.vmdk into disk-000001.vmdk', 'removed disk-000002.vmdk']);
    const { index } = readIndex(indexPathFor(vmx));
    expect(index.snapshots.map((s) => [s.name, s.parent, s.disks[0].file])).toEqual([['A', null, 'disk.vmdk'], ['C', 1, 'disk-000001.vmdk']]);
    const chain = JSON.parse(qemuImg('info', '--backing-chain', '--output=json', current(vmx))) as Array<{ filename: string }>;
    expect(chain.map((c) => path.basename(c.filename))).toEqual(['disk-000003.vmdk', 'disk-000001.vmdk', 'disk.vmdk']);
    expect(qemuSame(states[0], path.join(dir, 'disk.vmdk'))).toBe(true);
    expect(qemuSame(states[2], path.join(dir, 'disk-000001.vmdk'))).toBe(true);
    expect(qemuSame(states[3], current(vmx))).toBe(true);
    qemuCheckAll(dir);
  });

  it('a file two branches build on stays when its snapshot goes', () => {
    const { dir, vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'Root');
    writeGuest(current(vmx), 0, pattern(4096, 41));
    takeSnapshot(vmx, 'Left');
    const left = readGuest(current(vmx));
    revertSnapshot(vmx, 'Root');
    writeGuest(current(vmx), 0, pattern(4096, 42));
    const right = readGuest(current(vmx));
    const before = folderDigest(dir);
    const r = deleteSnapshot(vmx, 'Root');
    expect(r.lines).toEqual(["deleted snapshot 'Root'"]);
    // Only the index changed: disk.vmdk is the parent of both branches.
    const after = folderDigest(dir);
    expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual(['Test VM.vireo-snapshots']);
    expect(readGuest(current(vmx)).equals(right)).toBe(true);
    revertSnapshot(vmx, 'Left');
    expect(readGuest(current(vmx)).equals(left)).toBe(true);
    expect(listSnapshots(vmx)).toBe('Test VM.vmx: 1 snapshot\n└─ Left  ' + listSnapshots(vmx).split('Left  ')[1]);
    // With the other branch gone, the base has one child left: consolidated into it.
    writeGuest(current(vmx), 4096, pattern(4096, 43));
    const last = readGuest(current(vmx));
    const present = vmxValue(vmx, 'scsi0:0.fileName');
    expect(deleteSnapshot(vmx, 'Left').lines).toEqual(["deleted snapshot 'Left'", `consolidated ${present} into disk.vmdk`, `removed ${present}`]);
    expect(vmxValue(vmx, 'scsi0:0.fileName')).toBe('disk.vmdk');
    expect(readGuest(path.join(dir, 'disk.vmdk')).equals(last)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.vmdk'))).toEqual(['disk.vmdk']);
    if (HAVE_QEMU_IMG) qemuCheckAll(dir);
  });

  it('deleting both branch snapshots leaves only the base and the present state merged into it', () => {
    const { dir, vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'Clean');
    writeGuest(current(vmx), 0, pattern(4096, 44));
    takeSnapshot(vmx, 'Second');
    revertSnapshot(vmx, 'Clean');
    writeGuest(current(vmx), 0, pattern(4096, 45));
    const now = readGuest(current(vmx));
    expect(deleteSnapshot(vmx, 'Clean').lines).toEqual(["deleted snapshot 'Clean'"]);
    const r = deleteSnapshot(vmx, 'Second');
    expect(r.lines).toEqual(["deleted snapshot 'Second'", 'removed disk-000001.vmdk', 'consolidated disk-000003.vmdk into disk.vmdk', 'removed disk-000003.vmdk']);
    expect(readGuest(path.join(dir, 'disk.vmdk')).equals(now)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.vmdk'))).toEqual(['disk.vmdk']);
  });

  it.runIf(HAVE_QEMU_IMG)('a delete interrupted after the index was written is finished by the next take', () => {
    const { dir, vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'S1');
    writeGuest(current(vmx), 0, pattern(65536, 51));
    takeSnapshot(vmx, 'S2');
    writeGuest(current(vmx), 65536, pattern(65536, 52));
    const now = qemuFlatCopy(current(vmx), path.join(tmp, `${path.basename(dir)}-now.raw`));
    // As a delete of S2 leaves things when it stops right after saving the index.
    const file = indexPathFor(vmx);
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    j.snapshots = j.snapshots.filter((x: { name: string }) => x.name !== 'S2');
    j.current = 1;
    fs.writeFileSync(file, JSON.stringify(j));
    const r = takeSnapshot(vmx, 'S3');
    expect(r.lines).toEqual([
      "took snapshot 'S3': scsi0:0 now writes to disk-000003.vmdk",
      'consolidated disk-000002.vmdk into disk-000001.vmdk',
      'removed disk-000002.vmdk',
    ]);
    expect(readIndex(file).index.snapshots.map((x) => [x.name, x.disks[0].file])).toEqual([['S1', 'disk.vmdk'], ['S3', 'disk-000001.vmdk']]);
    expect(qemuSame(now, current(vmx))).toBe(true);
    expect(qemuCheckAll(dir)).toEqual(['disk-000001.vmdk', 'disk-000003.vmdk', 'disk.vmdk']);
  });

  it.runIf(HAVE_QEMU_IMG)('a base that cannot be written (streamOptimized) keeps the delta above it', () => {
    const dir = newDir();
    fs.mkdirSync(dir, { recursive: true });
    const raw = path.join(dir, 'src.raw');
    fs.writeFileSync(raw, Buffer.concat([BASE, Buffer.alloc(SIZE - BASE.length)]));
    qemuImg('convert', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, path.join(dir, 'ova.vmdk'));
    fs.rmSync(raw);
    const vmx = makeVm(dir, 'OVA', [{ node: 'scsi0:0', file: 'ova.vmdk', size: SIZE }]);
    takeSnapshot(vmx, 'S');
    writeGuest(current(vmx), 0, pattern(4096, 61));
    const seen = readGuest(current(vmx));
    const r = deleteSnapshot(vmx, 'S');
    expect(r.lines).toEqual(["deleted snapshot 'S'", expect.stringMatching(/^kept ova-000001\.vmdk above ova\.vmdk, which cannot be written \(.*streamOptimized.*read-only.*\)$/)]);
    expect(vmxValue(vmx, 'scsi0:0.fileName')).toBe('ova-000001.vmdk');
    expect(readGuest(current(vmx)).equals(seen)).toBe(true);
    expect(readIndex(indexPathFor(vmx)).index).toMatchObject({ snapshots: [], deltas: ['ova-000001.vmdk'] });
    qemuCheckAll(dir);
  });

  it('refuses a name that reads as an id', () => {
    const { vmx } = vmWithOneDisk();
    expect(() => takeSnapshot(vmx, 'id:4')).toThrow(/reads as a snapshot id \(id:N, vmware:N\): choose another/);
  });

  it('works through the ids when names repeat, and says which to use', () => {
    const { vmx } = vmWithOneDisk();
    takeSnapshot(vmx, 'X');
    const file = indexPathFor(vmx);
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    j.snapshots.push({ ...j.snapshots[0], id: 2 });
    j.lastId = 2;
    fs.writeFileSync(file, JSON.stringify(j));
    expect(() => revertSnapshot(vmx, 'X')).toThrow(/2 snapshots are named "X": name one as id:1, id:2/);
    expect(() => deleteSnapshot(vmx, 'nope')).toThrow(/no snapshot named "nope": vireo snapshot .* list shows them/);
    expect(deleteSnapshot(vmx, 'id:2').lines).toEqual(["deleted snapshot 'X'"]);
  });
});
