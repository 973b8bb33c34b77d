// `vireo snapshot`: its arguments, and the real CLI (bin/vireo.js) on a VM folder as a user
// runs it — take, list with "you are here", revert, delete with progress — plus the one-line
// refusals (a running VM, an index from a newer Vireo), exit status 2, nothing changed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/runCli';
import { HAVE_QEMU_IMG, MiB, folderDigest, makeVm, makeVmwareVm, pattern, qemuCheckAll, readGuest, vmxValue, writeGuest } from '../testing/snapshotVm';
import { acquireLock } from '../vmfiles/lock';
import { UsageError } from './args';
import { parseSnapshotArgs } from './snapshot';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-snapshot-cli-'));
/** runCli keeps stdout as latin1 (serial bytes); the tree is UTF-8 text. */
const utf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('vireo snapshot arguments', () => {
  it('parses the four commands', () => {
    expect(parseSnapshotArgs(['vm.vmx', 'take', 'Clean'])).toEqual({ vmx: 'vm.vmx', op: 'take', name: 'Clean', description: '' });
    expect(parseSnapshotArgs(['vm.vmx', 'take', 'Before update', '--description', 'apt upgrade next'])).toEqual({ vmx: 'vm.vmx', op: 'take', name: 'Before update', description: 'apt upgrade next' });
    expect(parseSnapshotArgs(['vm.vmx', 'take', '--description', 'first', 'A'])).toMatchObject({ name: 'A', description: 'first' });
    expect(parseSnapshotArgs(['vm.vmx', 'list'])).toEqual({ vmx: 'vm.vmx', op: 'list' });
    expect(parseSnapshotArgs(['vm.vmx', 'revert', 'A'])).toEqual({ vmx: 'vm.vmx', op: 'revert', name: 'A' });
    expect(parseSnapshotArgs(['vm.vmx', 'delete', 'id:3'])).toEqual({ vmx: 'vm.vmx', op: 'delete', name: 'id:3' });
  });

  it.each([
    [[], /^usage:\nvireo snapshot VM.vmx take NAME/],
    [['vm.vmx'], /^usage:/],
    [['--help', 'list'], /^usage:/],
    [['vm.vmx', 'take'], /snapshot take needs a NAME/],
    [['vm.vmx', 'take', 'A', 'B'], /snapshot take takes one NAME \(got "A" and "B"\): quote a name with spaces/],
    [['vm.vmx', 'take', 'A', '--description'], /--description needs a TEXT/],
    [['vm.vmx', 'take', 'A', '--description', 'x', '--description', 'y'], /--description is given twice/],
    [['vm.vmx', 'take', 'A', '--memory'], /unknown option --memory \(only --description TEXT\)/],
    [['vm.vmx', 'list', 'extra'], /snapshot list takes no arguments \(got extra\)/],
    [['vm.vmx', 'revert'], /snapshot revert takes one NAME/],
    [['vm.vmx', 'delete', 'A', 'B'], /snapshot delete takes one NAME/],
    [['vm.vmx', 'restore', 'A'], /unknown snapshot command restore: use take, list, revert or delete/],
  ])('refuses %j naming the problem', (argv, want) => {
    expect(() => parseSnapshotArgs(argv)).toThrow(UsageError);
    expect(() => parseSnapshotArgs(argv)).toThrow(want);
  });
});

describe('vireo snapshot (the real CLI)', () => {
  it('takes, lists, reverts and deletes, printing what it did', async () => {
    const dir = path.join(tmp, 'cli');
    const base = pattern(MiB, 3);
    const vmx = makeVm(dir, 'My VM', [{ node: 'scsi0:0', file: 'My VM.vmdk', size: 16 * MiB, content: base }]);
    const cli = (...args: string[]) => runCli(['snapshot', vmx, ...args]);
    expect(await cli('take', 'Clean install', '--description', 'nothing yet')).toMatchObject({ code: 0, stdout: "took snapshot 'Clean install': scsi0:0 now writes to My VM-000001.vmdk\n", stderr: '' });
    const present = () => path.join(dir, vmxValue(vmx, 'scsi0:0.fileName')!);
    writeGuest(present(), 0, pattern(3 * 65536, 4));
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(utf8(list.stdout)).toMatch(/^My VM\.vmx: 1 snapshot\n└─ Clean install {2}\d{4}-\d\d-\d\d \d\d:\d\d UTC {2}— nothing yet\n {3}└─ ▶ you are here\n$/);
    expect(await cli('revert', 'Clean install')).toMatchObject({ code: 0, stdout: "reverted to snapshot 'Clean install': scsi0:0 now writes to My VM-000002.vmdk\nremoved My VM-000001.vmdk\n" });
    expect(readGuest(present()).subarray(0, MiB).equals(base)).toBe(true);
    writeGuest(present(), 0, pattern(10 * MiB, 5)); // ten 1 MiB copy steps: progress by tenths
    const after = readGuest(present());
    const del = await cli('delete', 'Clean install');
    expect(del).toMatchObject({ code: 0, stdout: "deleted snapshot 'Clean install'\nconsolidated My VM-000002.vmdk into My VM.vmdk\nremoved My VM-000002.vmdk\n" });
    expect(del.stderr.split('\n').filter(Boolean)).toEqual(Array.from({ length: 11 }, (_, i) => `consolidating My VM-000002.vmdk into My VM.vmdk: ${i * 10}%`));
    expect(vmxValue(vmx, 'scsi0:0.fileName')).toBe('My VM.vmdk');
    expect(readGuest(path.join(dir, 'My VM.vmdk')).equals(after)).toBe(true);
    if (HAVE_QEMU_IMG) expect(qemuCheckAll(dir)).toEqual(['My VM.vmdk']);
  });

  it('refuses with one line while the VM runs, and for an index from a newer Vireo; nothing changes', async () => {
    const dir = path.join(tmp, 'refuse');
    const vmx = makeVm(dir, 'VM', [{ node: 'scsi0:0', file: 'disk.vmdk', size: MiB }]);
    const before = folderDigest(dir);
    const lock = acquireLock(vmx); // held by this (live) process, as a VM host holds it
    try {
      const r = await runCli(['snapshot', vmx, 'take', 'S']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`vireo: ${vmx}: the VM is running (${vmx}.lck: in use by running process ${process.pid} since ${lock.owner.created}): stop the VM (quit it in VMware too), then retry; nothing was changed\n`);
    } finally {
      lock.release();
    }
    expect(folderDigest(dir)).toEqual(before);
    fs.writeFileSync(path.join(dir, 'VM.vireo-snapshots'), JSON.stringify({ format: 'vireo-snapshots', version: 2, lastId: 0, current: null, snapshots: [], deltas: [] }));
    const digest = folderDigest(dir);
    for (const args of [['take', 'S'], ['list'], ['revert', 'S'], ['delete', 'S']]) {
      const r = await runCli(['snapshot', vmx, ...args]);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toBe(`vireo: ${path.join(dir, 'VM.vireo-snapshots')}: the snapshot index has format version 2, newer than the 1 this Vireo reads: update Vireo (nothing was changed)\n`);
    }
    expect(folderDigest(dir)).toEqual(digest);
  });

  it.runIf(HAVE_QEMU_IMG)('lists VMware snapshots read-only and refuses to delete them', async () => {
    const { vmx } = makeVmwareVm(path.join(tmp, 'vmware'));
    const list = await runCli(['snapshot', vmx, 'list']);
    expect(utf8(list.stdout)).toContain('└─ Fresh install  [VMware, read-only]  2022-11-28 10:01 UTC  — right after setup\n   └─ Updates  [VMware, read-only]');
    const del = await runCli(['snapshot', vmx, 'delete', 'Updates']);
    expect(del.code).toBe(2);
    expect(del.stderr).toMatch(/^vireo: .*Win\.vmsd: 'Updates' is a VMware snapshot: Vireo shows VMware's snapshots read-only and never changes its \.vmsd; delete it in VMware\n$/);
    const rev = await runCli(['snapshot', vmx, 'revert', 'Fresh install']);
    expect(rev.code).toBe(0);
    expect(rev.stdout).toMatch(/^reverted to VMware snapshot 'Fresh install': scsi0:0 now writes to Win-000003\.vmdk\n/);
  });
});
