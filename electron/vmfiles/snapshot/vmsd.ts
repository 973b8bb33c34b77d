// VMware's snapshot dictionary `NAME.vmsd`, read only: Vireo shows VMware's snapshots and
// can revert a powered-off VM to one's disk state, but never writes this file (nor the
// .vmsn/.vmem it names). Same `key = "value"` syntax as a .vmx. Keys (as VMware
// Workstation writes them; samples in xen-orchestra `@xen-orchestra/vmware-explorer/
// parsers/vmsd.mjs` and ManageIQ `lib/metadata/VmConfig/vmxConfig.rb`):
//
//   snapshot.lastUID, snapshot.current (uid of "you are here"'s snapshot), snapshot.numSnapshots
//   snapshotN.uid, .parent (uid), .displayName, .description, .filename (the .vmsn),
//   .createTimeHigh/.createTimeLow (the two 32-bit halves, each written signed, of
//   microseconds since 1970), .numDisks, .diskM.fileName (the disk file holding the
//   state, as NAME.vmdk or NAME-000001.vmdk), .diskM.node (scsi0:0)
//
// with N = 0 … numSnapshots-1. Every value is checked: the file comes with the VM folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readVmx, type VmxDocument } from '../vmx';
import { VmxError } from '../vmxError';
import { MAX_SNAPSHOTS, NODE_RE } from './snapshotIndex';
import { SnapshotError } from './snapshotError';

export interface VmwareDisk {
  node: string;
  /** As the .vmsd writes it: relative to the VM folder, or absolute. */
  fileName: string;
}

export interface VmwareSnapshot {
  uid: number;
  name: string;
  description: string;
  created?: Date;
  parent: number | null;
  disks: VmwareDisk[];
}

export interface Vmsd {
  file: string;
  /** uid of the snapshot the VM's present state descends from; null when none. */
  current: number | null;
  snapshots: VmwareSnapshot[];
}

export const vmsdPathFor = (vmxPath: string) => path.join(path.dirname(vmxPath), `${path.basename(vmxPath).replace(/\.vmx$/i, '')}.vmsd`);

const REMEDY = 'Vireo only reads this VMware file: repair it in VMware, or move it aside';

/** The VMware snapshot tree beside `vmxPath`, or null when there is no .vmsd. */
export function readVmsd(vmxPath: string): Vmsd | null {
  const file = vmsdPathFor(vmxPath);
  if (!fs.existsSync(file)) return null;
  let doc: VmxDocument;
  try {
    doc = readVmx(file);
  } catch (err) {
    // VmxError messages start with "FILE: " or "FILE:LINE: ".
    const msg = (err as Error).message;
    const why = err instanceof VmxError && msg.startsWith(`${file}:`) ? msg.slice(file.length + 1).replace(/^(\d+): /, 'line $1: ').trimStart() : msg;
    throw new SnapshotError('bad-vmsd', file, `VMware's snapshot list cannot be read (${why}): ${REMEDY}`);
  }
  return parseVmsd(doc, file);
}

export function parseVmsd(doc: VmxDocument, file: string): Vmsd {
  const bad = (key: string, why: string): never => {
    const line = doc.lineOf(key);
    throw new SnapshotError('bad-vmsd', file, `VMware's snapshot list${line ? ` (line ${line})` : ''}: ${key} ${why}: ${REMEDY}`);
  };
  const int = (key: string, min: number, max: number, required: boolean): number | undefined => {
    const v = doc.get(key);
    if (v === undefined || v.trim() === '') return required ? bad(key, 'is missing') : undefined;
    if (!/^\s*-?\d+\s*$/.test(v)) bad(key, `is ${JSON.stringify(v.slice(0, 40))}, not a whole number`);
    const n = Number(v);
    if (n < min || n > max) bad(key, `is ${n}, outside ${min}..${max}`);
    return n;
  };
  const count = int('snapshot.numSnapshots', 0, MAX_SNAPSHOTS, false) ?? 0;
  const snapshots: VmwareSnapshot[] = [];
  for (let i = 0; i < count; i++) {
    const p = `snapshot${i}.`;
    const uid = int(`${p}uid`, 1, 2 ** 31 - 1, true)!;
    if (snapshots.some((s) => s.uid === uid)) bad(`${p}uid`, `repeats uid ${uid}`);
    const parent = int(`${p}parent`, 0, 2 ** 31 - 1, false);
    const high = int(`${p}createTimeHigh`, -(2 ** 31), 2 ** 32 - 1, false);
    const low = int(`${p}createTimeLow`, -(2 ** 31), 2 ** 32 - 1, false);
    const numDisks = int(`${p}numDisks`, 0, 64, false) ?? 0;
    const disks: VmwareDisk[] = [];
    for (let d = 0; d < numDisks; d++) {
      const fileName = doc.get(`${p}disk${d}.fileName`);
      const node = doc.get(`${p}disk${d}.node`)?.trim().toLowerCase();
      if (!fileName) bad(`${p}disk${d}.fileName`, 'is missing');
      if (!node || !NODE_RE.test(node)) bad(`${p}disk${d}.node`, `is ${JSON.stringify(node ?? '')}, not a disk node such as scsi0:0`);
      if (disks.some((x) => x.node === node)) bad(`${p}disk${d}.node`, `repeats ${node}`);
      disks.push({ node: node!, fileName: fileName! });
    }
    snapshots.push({
      uid,
      name: doc.get(`${p}displayName`) ?? `Snapshot ${uid}`,
      description: doc.get(`${p}description`) ?? '',
      created: high !== undefined && low !== undefined ? new Date(((high >>> 0) * 2 ** 32 + (low >>> 0)) / 1000) : undefined,
      parent: parent ? parent : null,
      disks,
    });
  }
  const uids = new Map(snapshots.map((s) => [s.uid, s]));
  snapshots.forEach((s, i) => {
    if (s.parent !== null && !uids.has(s.parent)) bad(`snapshot${i}.parent`, `names uid ${s.parent}, which no snapshot has`);
  });
  snapshots.forEach((s, i) => {
    const seen = new Set<number>();
    for (let u: number | null = s.uid; u !== null; u = uids.get(u)!.parent) {
      if (seen.has(u)) bad(`snapshot${i}.parent`, `makes a loop (through uid ${u})`);
      seen.add(u);
    }
  });
  const cur = int('snapshot.current', 0, 2 ** 31 - 1, false);
  if (cur && !uids.has(cur)) bad('snapshot.current', `names uid ${cur}, which no snapshot has`);
  return { file, current: cur ? cur : null, snapshots };
}

