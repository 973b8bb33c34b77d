// What a snapshot operation starts from: the .vmx (kept byte for byte but for the disk
// `fileName` lines it changes), its hard disks, Vireo's index and VMware's .vmsd; and the
// locks that keep a VM host or VMware from running the VM meanwhile.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomicWrite';
import { acquireLock, LockedError, type FileLock } from '../lock';
import { isInside } from '../vmdk/fileIo';
import { readVmx, writeVmx, type VmxDocument } from '../vmx';
import { readDevices, resolveVmxPath } from '../vmxDevices';
import { realOrLexical, vmFolderOf } from '../vmxDisks';
import { relativeIn } from './diskChain';
import { SnapshotError } from './snapshotError';
import { indexPathFor, readIndex, type SnapshotIndex, writeIndex } from './snapshotIndex';
import { readVmsd, type Vmsd } from './vmsd';

export interface CurrentDisk {
  /** `scsi0:0` */
  node: string;
  /** The .vmx key naming the file, e.g. `scsi0:0.fileName`. */
  key: string;
  /** Real path (lexical when the file is missing: the chain check names it then). */
  real: string;
}

export interface VmState {
  vmx: string;
  /** Real path of the VM folder. */
  folder: string;
  doc: VmxDocument;
  /** The .vmx as read, to put back if a later step fails. */
  vmxBytes: Uint8Array;
  /** Hard disks that take part in snapshots, in .vmx order. */
  disks: CurrentDisk[];
  /** Things the operation leaves out, for the user (independent disks). */
  notes: string[];
  /** Why take, revert and delete must refuse this VM (listing still works). */
  refusals: SnapshotError[];
  indexFile: string;
  index: SnapshotIndex;
  indexExists: boolean;
  vmsd: Vmsd | null;
}

export function loadVm(vmxArg: string): VmState {
  const vmx = path.resolve(vmxArg);
  if (!fs.existsSync(vmx)) throw new SnapshotError('not-found', vmx, 'no such file: name the .vmx of a VM');
  const doc = readVmx(vmx);
  const vmxBytes = doc.serialize();
  const folder = vmFolderOf(vmx);
  const disks: CurrentDisk[] = [];
  const notes: string[] = [];
  const refusals: SnapshotError[] = [];
  for (const device of readDevices(doc)) {
    if (!device.present || device.kind !== 'disk' || device.fileName === undefined) continue;
    const node = `${device.bus}${device.controller}:${device.unit}`;
    const key = `${node}.fileName`;
    const file = resolveVmxPath(doc, device.fileName, key);
    const real = realOrLexical(file);
    // VMware leaves independent disks out of snapshots (their writes are never undone).
    const mode = doc.get(`${node}.mode`)?.trim().toLowerCase();
    if (mode?.startsWith('independent')) {
      notes.push(`${node} (${path.basename(file)}) is ${mode}: left out of snapshots, as VMware does`);
      continue;
    }
    if (!isInside(folder, real)) {
      refusals.push(new SnapshotError('unsupported', file, `disk ${node} (${key} in ${vmx}) lies outside the VM folder ${folder}: snapshot deltas are made beside their disk, so move it into the VM folder first`));
    }
    const twin = disks.find((x) => x.real === real);
    if (twin) refusals.push(new SnapshotError('unsupported', file, `disks ${twin.node} and ${node} of ${vmx} name the same file: give each disk its own file`));
    disks.push({ node, key, real });
  }
  const indexFile = indexPathFor(vmx);
  const { index, exists } = readIndex(indexFile);
  return { vmx, folder, doc, vmxBytes, disks, notes, refusals, indexFile, index, indexExists: exists, vmsd: readVmsd(vmx) };
}

/**
 * Takes the VM's lock and its disks' locks (what `vireo run` and the app hold while the VM
 * runs); returns the release. A held lock is one line: the VM must be stopped.
 */
export function lockVm(s: VmState): () => void {
  if (s.refusals.length) throw s.refusals[0];
  const locks: FileLock[] = [];
  const release = () => {
    for (const l of locks.splice(0).reverse()) l.release();
  };
  try {
    locks.push(take(s.vmx, 'the VM is running'));
    for (const d of s.disks) if (fs.existsSync(d.real)) locks.push(take(d.real, `disk ${d.node} is in use`));
  } catch (err) {
    release();
    throw err;
  }
  return release;
}

function take(file: string, what: string): FileLock {
  try {
    return acquireLock(file);
  } catch (err) {
    if (err instanceof LockedError) throw new SnapshotError('running', file, `${what} (${err.message}): stop the VM (quit it in VMware too), then retry; nothing was changed`);
    throw err;
  }
}

/** Points disk `node` at real path `real` (written relative to the VM folder). */
export function setDiskFile(s: VmState, node: string, real: string): void {
  const d = s.disks.find((x) => x.node === node)!;
  s.doc.set(d.key, relativeIn(s.folder, real));
  d.real = real;
}

export function saveVmx(s: VmState): void {
  writeVmx(s.vmx, s.doc);
}

/** Puts the .vmx back as it was read (rolling back a failed operation). */
export function restoreVmx(s: VmState): void {
  writeFileAtomic(s.vmx, s.vmxBytes);
}

export function saveIndex(s: VmState): void {
  writeIndex(s.indexFile, s.index);
  s.indexExists = true;
}
