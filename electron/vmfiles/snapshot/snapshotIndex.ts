// `NAME.vireo-snapshots`: Vireo's own snapshot tree for the VM `NAME.vmx`, JSON:
//
//   { "format": "vireo-snapshots", "version": 1, "lastId": 2, "current": 2,
//     "snapshots": [ { "id": 1, "name": "Clean", "description": "", "created": "2026-12-04T10:00:00.000Z",
//                      "parent": null, "disks": [ { "node": "scsi0:0", "file": "disk.vmdk" } ] }, … ],
//     "deltas": [ "disk-000001.vmdk", "disk-000002.vmdk" ] }
//
// A snapshot's `disks` name, per disk node of the .vmx, the file that was the disk's top
// when it was taken: the file holds that state and is never written while the snapshot
// needs it. `current` is the snapshot "you are here" descends from (null: none);
// `vmwareCurrent` / `vmwareParent` name a snapshot of VMware's `NAME.vmsd` by its uid
// instead (a snapshot taken after reverting to a VMware one). `deltas` lists the delta
// files Vireo made: the only disk files it ever deletes. `machineState` names a file
// `NAME-SnapshotN.vireo-snap` with the vCPU/device/RAM state, absent for disk-only
// snapshots. VMware's own files (.vmsd, .vmsn, .vmss) are never written (issue 15).
//
// The index comes with the VM folder, so it is hostile input like the .vmx: every value
// is checked; a file that is not JSON, truncated, or from a newer format version is one
// error and nothing is changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomicWrite';
import { SnapshotError } from './snapshotError';

export const INDEX_FORMAT = 'vireo-snapshots';
export const INDEX_VERSION = 1;
/** A few KiB per snapshot; far more than any real tree. */
export const MAX_INDEX_BYTES = 1024 * 1024;
/** VMware Workstation keeps at most a few hundred snapshots per VM. */
export const MAX_SNAPSHOTS = 1000;
export const MAX_NAME_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 8192;
/** Disk nodes a .vmx names: ide0:0, scsi1:15, sata0:29, nvme0:14 (vmxDevices.ts). */
export const NODE_RE = /^(ide|scsi|sata|nvme)\d{1,2}:\d{1,2}$/;
const STATE_FILE_RE = /^[^/\\]+-Snapshot\d+\.vireo-snap$/;

export interface SnapshotDisk {
  /** The .vmx disk node, e.g. `scsi0:0`. */
  node: string;
  /** The disk file holding this state, relative to the VM folder (`/` separators). */
  file: string;
}

export interface VireoSnapshot {
  id: number;
  name: string;
  description: string;
  /** ISO 8601. */
  created: string;
  /** The Vireo snapshot this one was taken under, or null. */
  parent: number | null;
  /** The VMware snapshot (.vmsd uid) this one was taken under, when `parent` is null. */
  vmwareParent?: number;
  disks: SnapshotDisk[];
  /** `NAME-SnapshotN.vireo-snap` beside the .vmx; absent for a disk-only snapshot. */
  machineState?: string;
}

export interface SnapshotIndex {
  version: typeof INDEX_VERSION;
  lastId: number;
  current: number | null;
  vmwareCurrent?: number;
  snapshots: VireoSnapshot[];
  /** Delta disk files Vireo created (relative to the VM folder). */
  deltas: string[];
}

export const emptyIndex = (): SnapshotIndex => ({ version: INDEX_VERSION, lastId: 0, current: null, snapshots: [], deltas: [] });

export const indexPathFor = (vmxPath: string) => path.join(path.dirname(vmxPath), `${path.basename(vmxPath).replace(/\.vmx$/i, '')}.vireo-snapshots`);

const REMEDY = 'move it aside to start a new snapshot tree (no disk file is touched by that), or restore it from a backup';

/** Reads the index; a missing file is an empty tree (`exists: false`). */
export function readIndex(file: string): { index: SnapshotIndex; exists: boolean } {
  let text: string;
  try {
    text = readSmallFile(file, MAX_INDEX_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { index: emptyIndex(), exists: false };
    if (err instanceof SnapshotError) throw err;
    throw new SnapshotError('io', file, `cannot read the snapshot index: ${(err as Error).message}`);
  }
  return { index: parseIndex(text, file), exists: true };
}

export function parseIndex(text: string, file: string): SnapshotIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError('bad-index', file, `the snapshot index is not valid JSON (truncated or damaged: ${(err as Error).message}): ${REMEDY}`);
  }
  const bad = (why: string): never => {
    throw new SnapshotError('bad-index', file, `the snapshot index ${why}: ${REMEDY}`);
  };
  if (!isObject(raw) || raw.format !== INDEX_FORMAT) bad(`is not a ${INDEX_FORMAT} file`);
  const o = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(o.version) || (o.version as number) < 1) bad('has no valid format version');
  if ((o.version as number) > INDEX_VERSION) {
    throw new SnapshotError('newer-index', file, `the snapshot index has format version ${o.version}, newer than the ${INDEX_VERSION} this Vireo reads: update Vireo (nothing was changed)`);
  }
  const lastId = o.lastId;
  if (!Number.isSafeInteger(lastId) || (lastId as number) < 0) bad('has no valid lastId');
  if (!Array.isArray(o.snapshots)) bad('has no snapshots list');
  if ((o.snapshots as unknown[]).length > MAX_SNAPSHOTS) bad(`lists more than ${MAX_SNAPSHOTS} snapshots`);
  const snapshots = (o.snapshots as unknown[]).map((s, i) => parseSnapshot(s, i, bad));
  const ids = new Set<number>();
  for (const s of snapshots) {
    if (ids.has(s.id)) bad(`lists snapshot id ${s.id} twice`);
    if (s.id > (lastId as number)) bad(`has snapshot id ${s.id} above lastId ${lastId}`);
    ids.add(s.id);
  }
  const parentOf = new Map(snapshots.map((s) => [s.id, s.parent]));
  for (const s of snapshots) {
    if (s.parent !== null && !ids.has(s.parent)) bad(`says snapshot ${s.id}'s parent is ${s.parent}, which it does not list`);
  }
  for (const s of snapshots) {
    // The parent chain must end: walking up from any snapshot reaches a root.
    const seen = new Set<number>();
    for (let p: number | null = s.id; p !== null; p = parentOf.get(p) ?? null) {
      if (seen.has(p)) bad(`has a loop in its snapshot tree (through id ${p})`);
      seen.add(p);
    }
  }
  const current = o.current ?? null;
  if (current !== null && (!Number.isSafeInteger(current) || !ids.has(current as number))) bad(`says "you are here" is under snapshot ${JSON.stringify(current)}, which it does not list`);
  const vmwareCurrent = optionalUid(o.vmwareCurrent, 'vmwareCurrent', bad);
  if (current !== null && vmwareCurrent !== undefined) bad('names both a Vireo and a VMware snapshot as current');
  if (!Array.isArray(o.deltas) || (o.deltas as unknown[]).length > MAX_SNAPSHOTS * 64) bad('has no valid deltas list');
  const deltas = (o.deltas as unknown[]).map((d) => relativeDiskPath(d, bad));
  return {
    version: INDEX_VERSION,
    lastId: lastId as number,
    current: current as number | null,
    ...(vmwareCurrent !== undefined ? { vmwareCurrent } : {}),
    snapshots,
    deltas: [...new Set(deltas)],
  };
}

function parseSnapshot(raw: unknown, i: number, bad: (why: string) => never): VireoSnapshot {
  const where = `snapshot #${i + 1}`;
  if (!isObject(raw)) bad(`${where} is not an object`);
  const s = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(s.id) || (s.id as number) < 1) bad(`${where} has no valid id`);
  const name = s.name;
  if (typeof name !== 'string' || !validName(name)) bad(`${where} has no valid name`);
  const description = s.description ?? '';
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH) bad(`${where} has an invalid description`);
  if (typeof s.created !== 'string' || Number.isNaN(Date.parse(s.created))) bad(`${where} has no valid created time`);
  const parent = s.parent ?? null;
  if (parent !== null && (!Number.isSafeInteger(parent) || (parent as number) < 1)) bad(`${where} has an invalid parent`);
  const vmwareParent = optionalUid(s.vmwareParent, `${where} vmwareParent`, bad);
  if (parent !== null && vmwareParent !== undefined) bad(`${where} has both a Vireo and a VMware parent`);
  if (!Array.isArray(s.disks) || s.disks.length < 1 || s.disks.length > 64) bad(`${where} has no valid disks list`);
  const nodes = new Set<string>();
  const disks = (s.disks as unknown[]).map((d) => {
    if (!isObject(d)) bad(`${where} has a disk that is not an object`);
    const { node, file } = d as Record<string, unknown>;
    if (typeof node !== 'string' || !NODE_RE.test(node)) bad(`${where} has an invalid disk node ${JSON.stringify(node)}`);
    if (nodes.has(node as string)) bad(`${where} lists disk ${node} twice`);
    nodes.add(node as string);
    return { node: node as string, file: relativeDiskPath(file, bad) };
  });
  const machineState = s.machineState;
  if (machineState !== undefined && (typeof machineState !== 'string' || !STATE_FILE_RE.test(machineState))) {
    bad(`${where} names machine state ${JSON.stringify(machineState)}, which is not a NAME-SnapshotN.vireo-snap file beside the .vmx`);
  }
  return {
    id: s.id as number,
    name: name as string,
    description: description as string,
    created: s.created as string,
    parent: parent as number | null,
    ...(vmwareParent !== undefined ? { vmwareParent } : {}),
    disks,
    ...(machineState !== undefined ? { machineState: machineState as string } : {}),
  };
}

function optionalUid(v: unknown, what: string, bad: (why: string) => never): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 1) bad(`has an invalid ${what}`);
  return v as number;
}

/** A disk file named by the index: a relative path that stays inside the VM folder. */
function relativeDiskPath(v: unknown, bad: (why: string) => never): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024 || v.includes('\0') || v.includes('\\')) bad(`names an invalid disk file ${JSON.stringify(v)}`);
  const p = v as string;
  const parts = p.split('/');
  if (path.isAbsolute(p) || parts.some((x) => x === '' || x === '.' || x === '..')) bad(`names disk file ${JSON.stringify(p)}, which is not a plain path inside the VM folder`);
  if (!/\.vmdk$/i.test(p)) bad(`names disk file ${JSON.stringify(p)}, which is not a .vmdk`);
  return p;
}

/** Snapshot names: what `list` prints and `revert NAME` matches. */
export function validName(name: string): boolean {
  if (name.trim() === '' || name.length > MAX_NAME_LENGTH) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

export function serializeIndex(index: SnapshotIndex): string {
  const out = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    lastId: index.lastId,
    current: index.current,
    ...(index.vmwareCurrent !== undefined ? { vmwareCurrent: index.vmwareCurrent } : {}),
    snapshots: index.snapshots,
    deltas: index.deltas,
  };
  return JSON.stringify(out, null, 2) + '\n';
}

/** Atomic: a crash leaves the old or the new index, never a mix. */
export function writeIndex(file: string, index: SnapshotIndex): void {
  writeFileAtomic(file, Buffer.from(serializeIndex(index), 'utf8'));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Only a regular file, at most `max` bytes (a FIFO would block, /dev/zero never end). */
function readSmallFile(file: string, max: number): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SnapshotError('bad-index', file, `the snapshot index is not a regular file: ${REMEDY}`);
    if (st.size > max) throw new SnapshotError('bad-index', file, `the snapshot index is ${st.size} bytes, more than the ${max} it may have: ${REMEDY}`);
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, n);
    if (n > st.size) throw new SnapshotError('bad-index', file, `the snapshot index grew while it was read: ${REMEDY}`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
