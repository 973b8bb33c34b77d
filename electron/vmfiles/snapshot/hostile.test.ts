// Hostile VM folders (issue 15): each is one SnapshotError naming the file at fault and
// the remedy, and nothing in the folder changes (every file compared by SHA-256).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_QEMU_IMG, MiB, folderDigest, makeVm, makeVmwareVm, pattern, writeGuest } from '../../testing/snapshotVm';
import { acquireLock } from '../lock';
import { createDeltaVmdk, createSparseVmdk, openDisk, setParentLink } from '../vmdk/index';
import { deleteSnapshot, listSnapshots, revertSnapshot, SnapshotError, takeSnapshot } from './index';
import { indexPathFor, serializeIndex } from './snapshotIndex';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-snaphostile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let cases = 0;
const newDir = () => path.join(tmp, `case${cases++}`, 'vm');

/** Runs `op`, expects one SnapshotError of `code` matching `want`, and no change under `dir`. */
function refused(dir: string, op: () => unknown, code: string, want: RegExp): SnapshotError {
  const before = folderDigest(path.dirname(dir));
  let caught: unknown;
  try {
    op();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SnapshotError);
  const e = caught as SnapshotError;
  expect([e.code, e.message]).toEqual([code, expect.stringMatching(want)]);
  expect(e.message.split('\n')).toHaveLength(1);
  expect(folderDigest(path.dirname(dir))).toEqual(before);
  return e;
}

function cidOf(file: string): number {
  const d = openDisk(file, { readOnly: true });
  const cid = parseInt(d.info().cid!, 16);
  d.close();
  return cid;
}

/** A delta `name` on `parent` (both in `dir`) named by the descriptor as `hint`. */
function delta(dir: string, parent: string, name: string, hint = parent): string {
  const file = path.join(dir, name);
  createDeltaVmdk(file, { parentCid: cidOf(path.join(dir, parent)), parentFileNameHint: hint, capacitySectors: (4 * MiB) / 512, grainSectors: 128, extentFileName: name, ddb: [] });
  return file;
}

function vm(dir: string, top: string): string {
  return makeVm(dir, 'VM', [{ node: 'scsi0:0', file: top, size: 4 * MiB }]);
}

describe('hostile disk chains', () => {
  it('a parentFileNameHint that leaves the folder', () => {
    const dir = newDir();
    fs.mkdirSync(dir, { recursive: true });
    createSparseVmdk(path.join(dir, '..', 'outside.vmdk'), 4 * MiB);
    const file = path.join(dir, 'disk.vmdk');
    createDeltaVmdk(file, { parentCid: cidOf(path.join(dir, '..', 'outside.vmdk')), parentFileNameHint: '../outside.vmdk', capacitySectors: 8192, grainSectors: 128, extentFileName: 'disk.vmdk', ddb: [] });
    const vmx = vm(dir, 'disk.vmdk');
    const e = refused(dir, () => takeSnapshot(vmx, 'S'), 'disk', /disk scsi0:0 of VM.vmx: names .*outside\.vmdk, which is outside .*: a disk and every parent it names must lie in the VM folder .*: move the files into it$/);
    expect(e.file).toBe(file);
  });

  it('a parentCID that is not the parent\'s CID (parent written after the delta was made)', () => {
    const dir = newDir();
    const vmx = makeVm(dir, 'VM', [{ node: 'scsi0:0', file: 'base.vmdk', size: 4 * MiB }]);
    delta(dir, 'base.vmdk', 'base-000001.vmdk');
    fs.writeFileSync(vmx, fs.readFileSync(vmx, 'utf8').replace('"base.vmdk"', '"base-000001.vmdk"'));
    writeGuest(path.join(dir, 'base.vmdk'), 0, Buffer.alloc(512, 1)); // bumps base's CID
    refused(dir, () => takeSnapshot(vmx, 'S'), 'disk', /base-000001\.vmdk: disk scsi0:0 of VM\.vmx: parent .*base\.vmdk has CID [0-9a-f]{8} but this disk expects [0-9a-f]{8} .*: the snapshot chain is broken .*restore the parent from a backup$/);
  });

  it('a chain that loops back on itself, directly or through a symlink', () => {
    const dir = newDir();
    const vmx = makeVm(dir, 'VM', [{ node: 'scsi0:0', file: 'base.vmdk', size: 4 * MiB }]);
    const a = delta(dir, 'base.vmdk', 'a.vmdk');
    const b = delta(dir, 'a.vmdk', 'b.vmdk');
    setParentLink(a, { cid: cidOf(b), fileNameHint: 'b.vmdk' }, fs.realpathSync(dir));
    fs.writeFileSync(vmx, fs.readFileSync(vmx, 'utf8').replace('"base.vmdk"', '"b.vmdk"'));
    refused(dir, () => takeSnapshot(vmx, 'S'), 'disk', /disk scsi0:0 of VM\.vmx: snapshot chain loops back to .*: the file is damaged/);
    fs.symlinkSync('c.vmdk', path.join(dir, 'alias.vmdk'));
    const c = delta(dir, 'base.vmdk', 'c.vmdk');
    setParentLink(c, { cid: cidOf(c), fileNameHint: 'alias.vmdk' }, fs.realpathSync(dir));
    fs.writeFileSync(vmx, fs.readFileSync(vmx, 'utf8').replace('"b.vmdk"', '"c.vmdk"'));
    refused(dir, () => takeSnapshot(vmx, 'S'), 'disk', /snapshot chain loops back to .*alias\.vmdk/);
  });

  it('a truncated delta', () => {
    const dir = newDir();
    const vmx = vm(dir, 'disk.vmdk');
    takeSnapshot(vmx, 'S');
    fs.truncateSync(path.join(dir, 'disk-000001.vmdk'), 5000);
    refused(dir, () => takeSnapshot(vmx, 'T'), 'disk', /disk-000001\.vmdk: disk scsi0:0 of VM\.vmx: .*: the file is damaged or cut short: restore it from a backup/);
    refused(dir, () => revertSnapshot(vmx, 'S'), 'disk', /disk-000001\.vmdk: disk scsi0:0 of VM\.vmx: /);
  });

  it('a snapshot whose disk was moved', () => {
    const dir = newDir();
    const vmx = vm(dir, 'disk.vmdk');
    takeSnapshot(vmx, 'One');
    writeGuest(path.join(dir, 'disk-000001.vmdk'), 0, pattern(512, 1));
    takeSnapshot(vmx, 'Two'); // Two's state is disk-000001.vmdk
    revertSnapshot(vmx, 'One');
    fs.renameSync(path.join(dir, 'disk-000001.vmdk'), path.join(dir, '..', 'moved.vmdk'));
    const e = refused(dir, () => revertSnapshot(vmx, 'Two'), 'disk',
      /disk-000001\.vmdk: disk scsi0:0 of snapshot 'Two': open: file does not exist: it was moved or deleted: put it back in the VM folder .*, or delete the snapshot \(vireo snapshot .*VM\.vmx delete "Two"\)$/);
    expect(e.file).toBe(path.join(fs.realpathSync(dir), 'disk-000001.vmdk'));
    // The remedy works: deleting the snapshot forgets the missing file.
    expect(deleteSnapshot(vmx, 'Two').lines).toEqual(["deleted snapshot 'Two'", 'forgot disk-000001.vmdk: it no longer exists']);
  });

  it('a disk the .vmx names outside the VM folder', () => {
    const dir = newDir();
    fs.mkdirSync(dir, { recursive: true });
    createSparseVmdk(path.join(dir, '..', 'elsewhere.vmdk'), MiB);
    const vmx = vm(dir, '../elsewhere.vmdk');
    refused(dir, () => takeSnapshot(vmx, 'S'), 'unsupported', /disk scsi0:0 \(scsi0:0\.fileName in .*\) lies outside the VM folder .*: .*move it into the VM folder first$/);
    expect(listSnapshots(vmx)).toBe('VM.vmx: no snapshots\n└─ ▶ you are here\n');
  });
});

describe('hostile index files', () => {
  it.each([
    ['truncated', (t: string) => t.slice(0, 40), 'bad-index', /the snapshot index is not valid JSON \(truncated or damaged.*move it aside to start a new snapshot tree/],
    ['from a newer Vireo', (t: string) => t.replace('"version": 1', '"version": 7'), 'newer-index', /format version 7, newer than the 1 this Vireo reads: update Vireo/],
    ['naming a file outside the folder', (t: string) => t.replace('"file": "disk.vmdk"', '"file": "../../etc/x.vmdk"'), 'bad-index', /not a plain path inside the VM folder/],
  ])('%s: every command refuses, nothing changes', (_what, edit, code, want) => {
    const dir = newDir();
    const vmx = vm(dir, 'disk.vmdk');
    takeSnapshot(vmx, 'S');
    const file = indexPathFor(vmx);
    fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
    for (const op of [() => takeSnapshot(vmx, 'T'), () => revertSnapshot(vmx, 'S'), () => deleteSnapshot(vmx, 'S'), () => listSnapshots(vmx)]) {
      const e = refused(dir, op, code, want);
      expect(e.file).toBe(file);
    }
  });

  it('an index that is not a regular file', () => {
    const dir = newDir();
    const vmx = vm(dir, 'disk.vmdk');
    fs.mkdirSync(indexPathFor(vmx));
    refused(dir, () => takeSnapshot(vmx, 'S'), 'bad-index', /is not a regular file/);
  });
});

describe('the VM must be stopped', () => {
  it('refuses while the .vmx lock or a disk lock is held, naming the holder', () => {
    const dir = newDir();
    const vmx = vm(dir, 'disk.vmdk');
    const lock = acquireLock(vmx);
    try {
      refused(dir, () => takeSnapshot(vmx, 'S'), 'running', /VM\.vmx: the VM is running \(.*VM\.vmx\.lck: in use by this process since .*\): stop the VM \(quit it in VMware too\), then retry; nothing was changed$/);
    } finally {
      lock.release();
    }
    const diskLock = acquireLock(path.join(dir, 'disk.vmdk'));
    try {
      refused(dir, () => takeSnapshot(vmx, 'S'), 'running', /disk\.vmdk: disk scsi0:0 is in use \(.*disk\.vmdk\.lck: in use by this process/);
    } finally {
      diskLock.release();
    }
    fs.mkdirSync(`${vmx}.lck`);
    fs.writeFileSync(path.join(`${vmx}.lck`, 'M12345.lck'), ''); // VMware's own lock
    refused(dir, () => takeSnapshot(vmx, 'S'), 'running', /locked by another program \(VMware\?\): M12345\.lck/);
  });
});

describe('failures part-way are undone', () => {
  it('a disk whose delta cannot be made: the other disk\'s new delta is removed', () => {
    const dir = newDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'data.img'), Buffer.alloc(MiB, 3)); // raw: no delta possible
    const vmx = makeVm(dir, 'VM', [
      { node: 'scsi0:0', file: 'good.vmdk', size: MiB },
      { node: 'scsi0:1', file: 'data.img', size: MiB },
    ]);
    refused(dir, () => takeSnapshot(vmx, 'S'), 'unsupported', /data\.img: is not a VMDK \(raw image\): snapshots need VMDK disks; convert it with qemu-img convert -O vmdk$/);
  });

  it('an index that cannot be written: the .vmx is put back and the deltas removed', () => {
    // The index's temporary name (.NAME.vireo-snapshots.PID.RANDOM.tmp) is longer than
    // NAME_MAX while the .vmx's is not: the write of the index is the step that fails.
    const name = 'v'.repeat(236 - String(process.pid).length);
    const dir = newDir();
    const vmx = makeVm(dir, name, [{ node: 'scsi0:0', file: 'disk.vmdk', size: MiB }]);
    const before = folderDigest(dir);
    expect(() => takeSnapshot(vmx, 'S')).toThrow(/ENAMETOOLONG/);
    expect(folderDigest(dir)).toEqual(before);
  });
});

describe.runIf(HAVE_QEMU_IMG)('hostile VMware .vmsd', () => {
  it('a snapshot disk outside the folder', () => {
    const dir = newDir();
    const { vmx } = makeVmwareVm(dir);
    const vmsd = path.join(dir, 'Win.vmsd');
    fs.writeFileSync(vmsd, fs.readFileSync(vmsd, 'utf8').replace('snapshot0.disk0.fileName = "Win.vmdk"', 'snapshot0.disk0.fileName = "/etc/hostname"'));
    refused(dir, () => revertSnapshot(vmx, 'Fresh install'), 'disk', /disk scsi0:0 of VMware snapshot 'Fresh install': resolves to .*, outside the VM folder .*: snapshot disks must stay in the VM folder, or delete the snapshot in VMware$/);
  });

  it('a damaged .vmsd', () => {
    const dir = newDir();
    const { vmx } = makeVmwareVm(dir);
    fs.appendFileSync(path.join(dir, 'Win.vmsd'), 'snapshot1.parent = "2"\n');
    refused(dir, () => listSnapshots(vmx), 'bad-vmsd', /VMware's snapshot list \(line \d+\): snapshot\d\.parent makes a loop .*: Vireo only reads this VMware file: repair it in VMware, or move it aside$/);
    fs.writeFileSync(path.join(dir, 'Win.vmsd'), 'snapshot.numSnapshots = "1\n');
    refused(dir, () => revertSnapshot(vmx, 'x'), 'bad-vmsd', /cannot be read \(line 1: malformed line/);
  });
});

it('serializeIndex output is what the index file holds', () => {
  const dir = newDir();
  const vmx = vm(dir, 'disk.vmdk');
  takeSnapshot(vmx, 'S', '', new Date('2026-01-01T00:00:00Z'));
  const text = fs.readFileSync(indexPathFor(vmx), 'utf8');
  expect(serializeIndex(JSON.parse(text))).toBe(text);
});
