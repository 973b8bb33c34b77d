// A VM folder as VMware Workstation leaves it after two snapshots (testing/snapshotVm.ts
// makeVmwareVm: .vmsd, .vmsn, Win-00000N.vmdk deltas): listed read-only, reverted to
// (disk state, powered off), built on, and never changed: every VMware file keeps its bytes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_QEMU_IMG, folderDigest, makeVmwareVm, qemuCheckAll, readGuest, vmxValue, writeGuest, pattern } from '../../testing/snapshotVm';
import { VmxDocument } from '../vmx';
import { deleteSnapshot, listSnapshots, readIndex, revertSnapshot, takeSnapshot } from './index';
import { indexPathFor } from './snapshotIndex';
import { parseVmsd } from './vmsd';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vmsd-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let cases = 0;
const VMWARE_FILES = ['Win.vmsd', 'Win-Snapshot1.vmsn', 'Win-Snapshot2.vmsn', 'Win.vmdk', 'Win-000001.vmdk', 'Win-000002.vmdk'];
const current = (vmx: string) => path.join(path.dirname(vmx), vmxValue(vmx, 'scsi0:0.fileName')!);

describe('parseVmsd', () => {
  it('reads uids, parents, names, times, disks and the current snapshot', () => {
    const doc = VmxDocument.parse(Buffer.from([
      '.encoding = "UTF-8"', 'snapshot.lastUID = "5"', 'snapshot.current = "5"', 'snapshot.numSnapshots = "2"',
      'snapshot0.uid = "3"', 'snapshot0.displayName = "A"', 'snapshot0.createTimeHigh = "388745"', 'snapshot0.createTimeLow = "-814770620"',
      'snapshot0.numDisks = "2"', 'snapshot0.disk0.fileName = "a.vmdk"', 'snapshot0.disk0.node = "scsi0:0"', 'snapshot0.disk1.fileName = "b.vmdk"', 'snapshot0.disk1.node = "SATA0:1"',
      'snapshot1.uid = "5"', 'snapshot1.parent = "3"', 'snapshot1.displayName = "B"', 'snapshot1.description = "d"',
      // A stale entry past numSnapshots is not a snapshot (ManageIQ vmxConfig.rb reads only numSnapshots).
      'snapshot2.uid = "9"', 'snapshot2.displayName = "stale"',
    ].join('\n')), 'x.vmsd');
    const v = parseVmsd(doc, 'x.vmsd');
    expect(v.current).toBe(5);
    expect(v.snapshots.map((s) => [s.uid, s.parent, s.name, s.description])).toEqual([[3, null, 'A', ''], [5, 3, 'B', 'd']]);
    expect(v.snapshots[0].disks).toEqual([{ node: 'scsi0:0', fileName: 'a.vmdk' }, { node: 'sata0:1', fileName: 'b.vmdk' }]);
    // (388745 << 32) + (-814770620 >>> 0) µs
    expect(v.snapshots[0].created!.getTime()).toBe(Math.floor((388745 * 2 ** 32 + (-814770620 >>> 0)) / 1000));
    expect(v.snapshots[1].created).toBeUndefined();
  });

  it.each([
    ['snapshot.numSnapshots = "lots"', /snapshot.numSnapshots is "lots", not a whole number/],
    ['snapshot.numSnapshots = "1"\nsnapshot0.displayName = "x"', /snapshot0.uid is missing/],
    ['snapshot.numSnapshots = "1"\nsnapshot0.uid = "1"\nsnapshot0.parent = "7"', /snapshot0.parent names uid 7, which no snapshot has/],
    ['snapshot.numSnapshots = "2"\nsnapshot0.uid = "1"\nsnapshot0.parent = "2"\nsnapshot1.uid = "2"\nsnapshot1.parent = "1"', /makes a loop/],
    ['snapshot.numSnapshots = "1"\nsnapshot0.uid = "1"\nsnapshot0.numDisks = "1"\nsnapshot0.disk0.fileName = "a.vmdk"\nsnapshot0.disk0.node = "floppy0"', /not a disk node/],
    ['snapshot.current = "4"', /snapshot.current names uid 4/],
  ])('refuses %j with one line naming the key and the remedy', (text, want) => {
    const doc = VmxDocument.parse(Buffer.from(text), 'x.vmsd');
    expect(() => parseVmsd(doc, 'x.vmsd')).toThrow(want);
    expect(() => parseVmsd(doc, 'x.vmsd')).toThrow(/Vireo only reads this VMware file: repair it in VMware, or move it aside$/);
  });
});

describe.runIf(HAVE_QEMU_IMG)('a VMware-made snapshot tree', () => {
  it('is listed read-only with "you are here" under VMware\'s current snapshot', () => {
    const { vmx } = makeVmwareVm(path.join(tmp, `vm${cases++}`));
    expect(listSnapshots(vmx)).toBe([
      "Win.vmx: 2 snapshots (VMware's Win.vmsd shown read-only)",
      '└─ Fresh install  [VMware, read-only]  2022-11-28 10:01 UTC  — right after setup',
      '   └─ Updates  [VMware, read-only]  2022-11-29 10:01 UTC',
      '      └─ ▶ you are here',
      '',
    ].join('\n'));
  });

  it('reverts to a VMware snapshot\'s disk state, builds on it, and never changes a VMware file', () => {
    const dir = path.join(tmp, `vm${cases++}`);
    const { vmx, states } = makeVmwareVm(dir);
    const vmware = () => Object.fromEntries(Object.entries(folderDigest(dir)).filter(([k]) => VMWARE_FILES.includes(k)));
    const before = vmware();
    expect(Object.keys(before).sort()).toEqual([...VMWARE_FILES].sort());

    const r = revertSnapshot(vmx, 'Fresh install');
    expect(r.lines).toEqual([
      "reverted to VMware snapshot 'Fresh install': scsi0:0 now writes to Win-000003.vmdk",
      'kept Win-000002.vmdk: no snapshot needs it any more, but Vireo did not make it (delete it yourself if you do not need it)',
    ]);
    expect(readGuest(current(vmx)).equals(states.fresh)).toBe(true);
    expect(listSnapshots(vmx)).toContain('└─ Fresh install  [VMware, read-only]  2022-11-28 10:01 UTC  — right after setup\n   ├─ Updates');
    expect(listSnapshots(vmx)).toMatch(/Updates .*\n {3}└─ ▶ you are here\n$/);

    writeGuest(current(vmx), 0, pattern(4096, 5));
    takeSnapshot(vmx, 'Mine', '', new Date('2026-12-04T10:00:00Z'));
    const mine = readGuest(current(vmx));
    expect(readIndex(indexPathFor(vmx)).index.snapshots[0]).toMatchObject({ name: 'Mine', parent: null, vmwareParent: 1 });
    expect(listSnapshots(vmx)).toBe([
      "Win.vmx: 3 snapshots (VMware's Win.vmsd shown read-only)",
      '└─ Fresh install  [VMware, read-only]  2022-11-28 10:01 UTC  — right after setup',
      '   ├─ Updates  [VMware, read-only]  2022-11-29 10:01 UTC',
      '   └─ Mine  2026-12-04 10:00 UTC',
      '      └─ ▶ you are here',
      '',
    ].join('\n'));

    revertSnapshot(vmx, 'Updates');
    expect(readGuest(current(vmx)).equals(states.updates)).toBe(true);
    expect(() => deleteSnapshot(vmx, 'Updates')).toThrow(/'Updates' is a VMware snapshot: Vireo shows VMware's snapshots read-only and never changes its .vmsd; delete it in VMware/);

    // Deleting Vireo's snapshot consolidates only Vireo's files.
    revertSnapshot(vmx, 'Mine');
    expect(readGuest(current(vmx)).equals(mine)).toBe(true);
    const d = deleteSnapshot(vmx, 'Mine');
    expect(d.lines[0]).toBe("deleted snapshot 'Mine'");
    expect(d.lines.slice(1).join('\n')).toMatch(/^consolidated Win-00000\d\.vmdk into Win-000003\.vmdk\nremoved Win-00000\d\.vmdk$/);
    expect(readGuest(current(vmx)).equals(mine)).toBe(true);
    expect(listSnapshots(vmx)).toMatch(/Fresh install .*\n {3}├─ Updates .*\n {3}└─ ▶ you are here\n$/);
    expect(vmware()).toEqual(before);
    expect(fs.readFileSync(vmx, 'utf8')).not.toMatch(/snapshot|checkpoint/i);
    qemuCheckAll(dir);
  });
});
