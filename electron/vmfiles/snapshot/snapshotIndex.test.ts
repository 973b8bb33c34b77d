// The index file is hostile input like the .vmx: each broken shape is one error naming the
// file and the remedy.
import { describe, expect, it } from 'vitest';
import { emptyIndex, parseIndex, serializeIndex, type SnapshotIndex } from './snapshotIndex';

const good: SnapshotIndex = {
  version: 1,
  lastId: 3,
  current: 3,
  snapshots: [
    { id: 1, name: 'A', description: '', created: '2026-12-04T10:00:00.000Z', parent: null, vmwareParent: 2, disks: [{ node: 'scsi0:0', file: 'disk.vmdk' }] },
    { id: 3, name: 'B', description: 'x', created: '2026-12-04T11:00:00.000Z', parent: 1, disks: [{ node: 'scsi0:0', file: 'sub/disk-000001.vmdk' }], machineState: 'VM-Snapshot3.vireo-snap' },
  ],
  deltas: ['disk-000001.vmdk'],
};
const F = 'VM.vireo-snapshots';
interface Mut {
  [k: string]: unknown;
  snapshots: Array<{ [k: string]: unknown; disks: Array<{ [k: string]: unknown }> }>;
}
const mutate = (f: (o: Mut) => void) => {
  const o = JSON.parse(serializeIndex(good)) as Mut;
  f(o);
  return JSON.stringify(o);
};

describe('snapshot index', () => {
  it('round-trips', () => {
    expect(parseIndex(serializeIndex(good), F)).toEqual(good);
    expect(parseIndex(serializeIndex(emptyIndex()), F)).toEqual(emptyIndex());
  });

  it('names a truncated file, with the remedy', () => {
    const text = serializeIndex(good);
    expect(() => parseIndex(text.slice(0, text.length / 2), F)).toThrow(
      /^VM.vireo-snapshots: the snapshot index is not valid JSON \(truncated or damaged: .*\): move it aside to start a new snapshot tree \(no disk file is touched by that\), or restore it from a backup$/,
    );
  });

  it('refuses an index from a newer Vireo and says to update', () => {
    expect(() => parseIndex(mutate((o) => (o.version = 2)), F)).toThrow('VM.vireo-snapshots: the snapshot index has format version 2, newer than the 1 this Vireo reads: update Vireo (nothing was changed)');
  });

  it.each<[string, (o: Mut) => void, RegExp]>([
    ['another format', (o) => (o.format = 'x'), /is not a vireo-snapshots file/],
    ['a path out of the folder', (o) => (o.snapshots[0].disks[0].file = '../other/disk.vmdk'), /not a plain path inside the VM folder/],
    ['an absolute path', (o) => (o.deltas = ['/etc/passwd.vmdk']), /not a plain path inside the VM folder/],
    ['a file that is not a disk', (o) => (o.deltas = ['VM.vmx']), /which is not a .vmdk/],
    ['a parent that is not listed', (o) => (o.snapshots[1].parent = 7), /parent is 7, which it does not list/],
    ['a loop', (o) => Object.assign(o.snapshots[0], { parent: 3, vmwareParent: undefined }), /has a loop in its snapshot tree/],
    ['two parents', (o) => (o.snapshots[0].parent = 3), /has both a Vireo and a VMware parent/],
    ['a repeated id', (o) => (o.snapshots[1].id = 1), /lists snapshot id 1 twice/],
    ['an id above lastId', (o) => (o.lastId = 1), /above lastId/],
    ['a current that is not listed', (o) => (o.current = 9), /"you are here" is under snapshot 9/],
    ['two currents', (o) => (o.vmwareCurrent = 4), /names both a Vireo and a VMware snapshot as current/],
    ['a bad node', (o) => (o.snapshots[0].disks[0].node = 'scsi0:0.fileName'), /invalid disk node/],
    ['a name with a newline', (o) => (o.snapshots[0].name = 'a\nb'), /no valid name/],
    ['a state file elsewhere', (o) => (o.snapshots[1].machineState = '../x-Snapshot1.vireo-snap'), /not a NAME-SnapshotN.vireo-snap file beside the .vmx/],
    ['a non-object', (o) => ((o.snapshots as unknown[])[0] = 5), /is not an object/],
  ])('refuses %s', (_what, f, want) => {
    expect(() => parseIndex(mutate(f), F)).toThrow(want);
  });
});
