// After a revert or a delete, some disk files are needed by nothing (no snapshot, not the
// present state). Cleanup keeps the chain as VMware keeps it:
//   * a file nothing needs and nothing builds on: deleted, if Vireo made it;
//   * a file nothing needs with exactly one child: the child's grains are written into
//     it (consolidate.ts), the child's own children are re-pointed at it, whatever
//     named the child names it, and the child is deleted ("the changes are written to
//     the parent", as VMware consolidates a deleted snapshot);
//   * a file nothing needs with several children stays: they all build on it.
// Every step leaves each needed state readable and the CID chain valid, and the .vmx and
// the index are saved after each one, so an interruption (a crash, a full disk) leaves
// consistent files; the next take, revert or delete (each ends with a cleanup) finishes
// the work. Protected files
// (VMware's) and files Vireo did not make are never deleted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '../atomicWrite';
import { setParentLink } from '../vmdk/index';
import { mergeIntoParent } from './consolidate';
import { type FileNode, type FileTree } from './fileTree';
import { filesNamingAsParent } from './folderScan';
import { SnapshotError } from './snapshotError';
import { saveIndex, saveVmx, setDiskFile, type VmState } from './vmState';

export interface CleanupReport {
  /** Files deleted (relative to the VM folder). */
  removed: string[];
  /** Consolidations done: `from` written into `into`. */
  merged: Array<{ from: string; into: string }>;
  /** Files left in place or forgotten, one sentence each. */
  kept: string[];
  /** All of it in the order it happened, one line each, for the user. */
  log: string[];
}

export type ConsolidationProgress = (from: string, into: string, done: number, total: number) => void;

export function cleanup(s: VmState, tree: FileTree, progress?: ConsolidationProgress): CleanupReport {
  const report: CleanupReport = { removed: [], merged: [], kept: [], log: [] };
  // Files that cannot take a child's grains (kept for this run), and files several
  // children build on (looked at again once something else changed).
  const unwritable = new Set<string>();
  const shared = new Set<string>();
  for (const [rel, why] of tree.unreadable) {
    if (!fs.existsSync(path.resolve(s.folder, rel))) {
      s.index.deltas = s.index.deltas.filter((d) => d !== rel);
      keep(report, `forgot ${rel}: it no longer exists`);
    } else {
      keep(report, `kept ${rel}: it cannot be read (${why})`);
    }
  }
  for (;;) {
    const n = [...tree.nodes.values()].find((x) => x.pins.length === 0 && !unwritable.has(x.real) && !shared.has(x.real) && !tree.isProtected(x.real));
    if (!n) break;
    const kids = tree.children(n.real);
    if (kids.length === 0) {
      removeLeaf(s, tree, n, report);
      shared.clear();
    } else if (kids.length === 1 && kids[0].vireoMade) {
      if (mergeChild(s, tree, n, kids[0], report, progress)) shared.clear();
      else unwritable.add(n.real);
    } else {
      shared.add(n.real); // several children build on it, or its child is not Vireo's
    }
  }
  saveIndex(s);
  return report;
}

function removeLeaf(s: VmState, tree: FileTree, n: FileNode, report: CleanupReport): void {
  tree.nodes.delete(n.real);
  if (!n.vireoMade) {
    keep(report, `kept ${n.rel}: no snapshot needs it any more, but Vireo did not make it (delete it yourself if you do not need it)`);
    return;
  }
  if (deleteFile(n, report)) s.index.deltas = s.index.deltas.filter((d) => d !== n.rel);
}

/** Writes child `c` into `n`, re-points `c`'s children and pins at `n`, deletes `c`. */
function mergeChild(s: VmState, tree: FileTree, n: FileNode, c: FileNode, report: CleanupReport, progress?: ConsolidationProgress): boolean {
  const what = `consolidating ${c.rel} into ${n.rel}`;
  try {
    mergeIntoParent(c.real, n.real, s.folder, what, progress && ((done, total) => progress(c.rel, n.rel, done, total)));
  } catch (err) {
    // A parent that cannot be written (streamOptimized, read-only file) keeps its child.
    if (err instanceof SnapshotError && (err.code === 'unsupported' || /read-only|EACCES|EROFS|EPERM/.test(err.message))) {
      keep(report, `kept ${c.rel} above ${n.rel}, which cannot be written (${err.message})`);
      return false;
    }
    throw new SnapshotError('io', c.real, `${what} failed (${(err as Error).message}); every snapshot and the present state still read as before: free space or fix the cause, then the next vireo snapshot take, revert or delete finishes it`);
  }
  for (const g of tree.children(c.real)) {
    const hint = path.relative(path.dirname(g.real), n.real).split(path.sep).join('/');
    try {
      setParentLink(g.real, { cid: n.cid!, fileNameHint: hint }, s.folder);
    } catch (err) {
      throw new SnapshotError('io', g.real, `${what}: re-pointing ${g.rel} at ${n.rel} failed (${(err as Error).message}); it still reads through ${c.rel}, which is kept: the next vireo snapshot take, revert or delete finishes it`);
    }
    g.parent = n.real;
  }
  // Whatever named the child names its parent now (same content).
  n.pins = c.pins;
  let vmxChanged = false;
  for (const pin of c.pins) {
    if (pin.kind === 'current') {
      setDiskFile(s, pin.node, n.real);
      vmxChanged = true;
    } else if (pin.kind === 'vireo') {
      const disk = s.index.snapshots.find((x) => x.id === pin.id)!.disks.find((d) => d.node === pin.node)!;
      disk.file = n.rel;
    }
  }
  if (vmxChanged) saveVmx(s);
  saveIndex(s);
  tree.nodes.delete(c.real);
  report.merged.push({ from: c.rel, into: n.rel });
  report.log.push(`consolidated ${c.rel} into ${n.rel}`);
  if (deleteFile(c, report)) {
    s.index.deltas = s.index.deltas.filter((d) => d !== c.rel);
    saveIndex(s);
  }
  return true;
}

/** Deletes a delta Vireo made, unless another disk beside it still names it as parent. */
function deleteFile(n: FileNode, report: CleanupReport): boolean {
  const users = filesNamingAsParent(n.real);
  if (users.length) {
    keep(report, `kept ${n.rel}: ${users.map((u) => path.basename(u)).join(', ')} ${users.length > 1 ? 'name' : 'names'} it as parent`);
    return false;
  }
  fs.rmSync(n.real, { force: true });
  fsyncDir(path.dirname(n.real));
  report.removed.push(n.rel);
  report.log.push(`removed ${n.rel}`);
  return true;
}

function keep(report: CleanupReport, line: string): void {
  report.kept.push(line);
  report.log.push(line);
}
