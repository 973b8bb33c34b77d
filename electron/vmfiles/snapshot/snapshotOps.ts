// Take, revert and delete snapshots of a stopped VM's disks (issue 15), VMware's way:
//   take    every disk's present top becomes the snapshot's (never written again while the
//           snapshot needs it) and a new delta `NAME-00000N.vmdk` above it takes the
//           writes; the .vmx names the delta.
//   revert  the present state is discarded and a fresh delta starts on the snapshot's
//           files; the snapshot stays (VMware keeps it too). Works for VMware's snapshots
//           (the .vmsd), whose disk state is all Vireo restores.
//   delete  the snapshot leaves the index; files no state needs any more are consolidated
//           or removed (cleanup.ts).
// Order of writes: new deltas under temporary names, then the .vmx, then the index, then
// cleanup. A failure before the index is written puts the .vmx back and removes the new
// deltas: a refused operation changes nothing. Hostile folders (a parent outside the
// folder, a CID mismatch, a loop, a damaged delta or index, a moved disk) are found while
// reading, before the first write.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanup, type CleanupReport, type ConsolidationProgress } from './cleanup';
import { insideFolder, relativeIn, type Chain } from './diskChain';
import { discardDelta, nextDeltaPath, prepareDelta, publishDelta, type PreparedDelta } from './deltaDisk';
import { buildTree, type FileTree } from './fileTree';
import { SnapshotError } from './snapshotError';
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_SNAPSHOTS, validName, type VireoSnapshot } from './snapshotIndex';
import { loadVm, lockVm, restoreVmx, saveIndex, saveVmx, setDiskFile, type VmState } from './vmState';
import type { VmwareSnapshot } from './vmsd';

export type Found = { kind: 'vireo'; snap: VireoSnapshot } | { kind: 'vmware'; snap: VmwareSnapshot };

export interface OpResult {
  /** What happened, one line each, for the user. */
  lines: string[];
  cleanup?: CleanupReport;
}

const SELECTOR_RE = /^(id|vmware):\d+$/;

/** Snapshot `selector`: a name, or `id:N` (Vireo) / `vmware:N` (VMware uid) when names repeat. */
export function findSnapshot(s: VmState, selector: string): Found {
  const byId = /^id:(\d+)$/.exec(selector);
  const byUid = /^vmware:(\d+)$/.exec(selector);
  const all: Found[] = [
    ...s.index.snapshots.map((snap): Found => ({ kind: 'vireo', snap })),
    ...(s.vmsd?.snapshots ?? []).map((snap): Found => ({ kind: 'vmware', snap })),
  ];
  const hits = byId
    ? all.filter((f) => f.kind === 'vireo' && f.snap.id === Number(byId[1]))
    : byUid
      ? all.filter((f) => f.kind === 'vmware' && f.snap.uid === Number(byUid[1]))
      : all.filter((f) => f.snap.name === selector);
  if (hits.length === 1) return hits[0];
  if (hits.length === 0) throw new SnapshotError('not-found', s.vmx, `no snapshot named ${JSON.stringify(selector)}: vireo snapshot ${s.vmx} list shows them`);
  const ways = hits.map((f) => (f.kind === 'vireo' ? `id:${f.snap.id}` : `vmware:${f.snap.uid}`)).join(', ');
  throw new SnapshotError('ambiguous', s.vmx, `${hits.length} snapshots are named ${JSON.stringify(selector)}: name one as ${ways}`);
}

function withLockedVm<T>(vmx: string, fn: (s: VmState) => T): T {
  const s = loadVm(vmx);
  const release = lockVm(s);
  try {
    return fn(s);
  } finally {
    release();
  }
}

/** The state "you are here" descends from, as the new snapshot's parent. */
function currentParent(s: VmState): Pick<VireoSnapshot, 'parent' | 'vmwareParent'> {
  if (s.indexExists) return s.index.vmwareCurrent !== undefined ? { parent: null, vmwareParent: s.index.vmwareCurrent } : { parent: s.index.current };
  return s.vmsd?.current ? { parent: null, vmwareParent: s.vmsd.current } : { parent: null };
}

export function takeSnapshot(vmx: string, name: string, description = '', now = new Date(), progress?: ConsolidationProgress): OpResult {
  return withLockedVm(vmx, (s) => {
    if (!validName(name)) throw new SnapshotError('unsupported', s.vmx, `snapshot name ${JSON.stringify(name.slice(0, 80))} is empty, longer than ${MAX_NAME_LENGTH} characters or has control characters: choose another`);
    if (SELECTOR_RE.test(name)) throw new SnapshotError('unsupported', s.vmx, `snapshot name ${JSON.stringify(name)} reads as a snapshot id (id:N, vmware:N): choose another`);
    if (description.length > MAX_DESCRIPTION_LENGTH) throw new SnapshotError('unsupported', s.vmx, `the description is longer than ${MAX_DESCRIPTION_LENGTH} characters: shorten it`);
    if (s.index.snapshots.some((x) => x.name === name) || s.vmsd?.snapshots.some((x) => x.name === name)) {
      throw new SnapshotError('exists', s.vmx, `a snapshot named ${JSON.stringify(name)} exists already: choose another name`);
    }
    if (s.index.snapshots.length >= MAX_SNAPSHOTS) throw new SnapshotError('unsupported', s.vmx, `the VM has ${MAX_SNAPSHOTS} snapshots: delete some first`);
    if (s.disks.length === 0) throw new SnapshotError('unsupported', s.vmx, 'the VM has no hard disk that snapshots apply to: nothing to take');
    // The whole tree must read correctly: this take also finishes an interrupted cleanup.
    const tree = buildTree(s);
    const chains = s.disks.map((d) => tree.chains.get(d.real)!);
    const snap: VireoSnapshot = {
      id: s.index.lastId + 1,
      name,
      description,
      created: now.toISOString(),
      ...currentParent(s),
      disks: s.disks.map((d, i) => ({ node: d.node, file: chains[i].layers[0].rel })),
    };
    const deltas = startDeltas(chains);
    s.index.lastId = snap.id;
    s.index.snapshots.push(snap);
    s.index.current = snap.id;
    delete s.index.vmwareCurrent;
    commit(s, deltas);
    moveCurrent(s, tree, chains, deltas);
    chains.forEach((c, i) => tree.pin(c.layers[0].real, { kind: 'vireo', id: snap.id, node: s.disks[i].node }));
    const report = cleanupAfter(`took snapshot '${name}'`, s, tree, progress);
    return { lines: [...s.notes, `took snapshot '${name}': ${describeDeltas(s, deltas)}`, ...report.log], cleanup: report };
  });
}

export function revertSnapshot(vmx: string, selector: string, progress?: ConsolidationProgress): OpResult {
  return withLockedVm(vmx, (s) => {
    const found = findSnapshot(s, selector);
    const label = found.kind === 'vireo' ? `snapshot '${found.snap.name}'` : `VMware snapshot '${found.snap.name}'`;
    if (found.kind === 'vireo' && found.snap.machineState) {
      throw new SnapshotError('unsupported', path.join(path.dirname(s.vmx), found.snap.machineState), `${label} holds machine state, which this Vireo cannot restore yet: update Vireo`);
    }
    const wanted = found.kind === 'vireo' ? found.snap.disks.map((d) => ({ node: d.node, file: d.file })) : found.snap.disks.map((d) => ({ node: d.node, file: d.fileName }));
    const now = s.disks.map((d) => d.node).sort().join(', ');
    const then = wanted.map((d) => d.node).sort().join(', ');
    if (now !== then) {
      throw new SnapshotError('unsupported', s.vmx, `${label} has disks ${then || 'none'} but the VM now has ${now || 'none'}: make the .vmx name the same disks again, then revert`);
    }
    // Everything the VM needs must read correctly before anything is changed.
    const tree = buildTree(s);
    const chains = s.disks.map((d) => {
      const w = wanted.find((x) => x.node === d.node)!;
      const what = `disk ${d.node} of ${label}`;
      return tree.chains.get(insideFolder(s.folder, w.file, what))!; // pinned, so read by buildTree
    });
    const deltas = startDeltas(chains);
    if (found.kind === 'vireo') {
      s.index.current = found.snap.id;
      delete s.index.vmwareCurrent;
    } else {
      s.index.current = null;
      s.index.vmwareCurrent = found.snap.uid;
    }
    commit(s, deltas);
    moveCurrent(s, tree, chains, deltas);
    const report = cleanupAfter(`reverted to ${label}`, s, tree, progress);
    return { lines: [...s.notes, `reverted to ${label}: ${describeDeltas(s, deltas)}`, ...report.log], cleanup: report };
  });
}

export function deleteSnapshot(vmx: string, selector: string, progress?: ConsolidationProgress): OpResult {
  return withLockedVm(vmx, (s) => {
    const found = findSnapshot(s, selector);
    if (found.kind === 'vmware') {
      throw new SnapshotError('read-only', s.vmsd!.file, `'${found.snap.name}' is a VMware snapshot: Vireo shows VMware's snapshots read-only and never changes its .vmsd; delete it in VMware`);
    }
    const snap = found.snap;
    const tree = buildTree(s, snap.id);
    // Its children hang under its parent now; "you are here" too, if it was below it.
    for (const x of s.index.snapshots) {
      if (x.parent !== snap.id) continue;
      x.parent = snap.parent;
      if (snap.vmwareParent !== undefined) x.vmwareParent = snap.vmwareParent;
      else delete x.vmwareParent;
    }
    if (s.index.current === snap.id) {
      s.index.current = snap.parent;
      if (snap.vmwareParent !== undefined) s.index.vmwareCurrent = snap.vmwareParent;
    }
    s.index.snapshots = s.index.snapshots.filter((x) => x.id !== snap.id);
    saveIndex(s);
    const lines = [...s.notes, `deleted snapshot '${snap.name}'`];
    if (snap.machineState) {
      fs.rmSync(path.join(path.dirname(s.vmx), snap.machineState), { force: true });
      lines.push(`removed its machine state ${snap.machineState}`);
    }
    const report = cleanupAfter(`deleted snapshot '${snap.name}'`, s, tree, progress);
    return { lines: [...lines, ...report.log], cleanup: report };
  });
}

/** Cleanup once the operation itself is saved: a failure says that it was done. */
function cleanupAfter(done: string, s: VmState, tree: FileTree, progress?: ConsolidationProgress): CleanupReport {
  try {
    return cleanup(s, tree, progress);
  } catch (err) {
    if (err instanceof SnapshotError) throw new SnapshotError(err.code, err.file, `${done}, but ${err.detail}`);
    throw err;
  }
}

/** In the tree, "you are here" moves from each disk's old top to its new delta (on `chains[i]`). */
function moveCurrent(s: VmState, tree: FileTree, chains: Chain[], deltas: PreparedDelta[]): void {
  for (const n of tree.nodes.values()) n.pins = n.pins.filter((p) => p.kind !== 'current');
  s.disks.forEach((d, i) => {
    const top = chains[i].layers[0];
    tree.add({ ...chains[i], layers: [{ real: deltas[i].final, rel: relativeIn(s.folder, deltas[i].final), cid: deltas[i].cid, parent: top.real }, ...chains[i].layers] });
    tree.nodes.get(deltas[i].final)!.vireoMade = true;
    tree.pin(deltas[i].final, { kind: 'current', node: d.node });
  });
}

/** New deltas on each chain's top, published under their final names (nothing names them yet). */
function startDeltas(chains: Chain[]): PreparedDelta[] {
  const taken = new Set<string>();
  const deltas: PreparedDelta[] = [];
  try {
    for (const c of chains) deltas.push(prepareDelta(c, nextDeltaPath(c.layers[0].real, taken)));
    for (const d of deltas) publishDelta(d);
  } catch (err) {
    for (const d of deltas) discardDelta(d);
    throw err;
  }
  return deltas;
}

/** The .vmx names the new deltas, then the index is saved; on failure both are undone. */
function commit(s: VmState, deltas: PreparedDelta[]): void {
  let vmxWritten = false;
  try {
    s.disks.forEach((d, i) => setDiskFile(s, d.node, deltas[i].final));
    s.index.deltas.push(...deltas.map((d) => relativeIn(s.folder, d.final)));
    saveVmx(s);
    vmxWritten = true;
    saveIndex(s);
  } catch (err) {
    if (vmxWritten) restoreVmx(s);
    for (const d of deltas) discardDelta(d);
    throw err;
  }
}

function describeDeltas(s: VmState, deltas: PreparedDelta[]): string {
  return s.disks.map((d, i) => `${d.node} now writes to ${relativeIn(s.folder, deltas[i].final)}`).join(', ');
}
