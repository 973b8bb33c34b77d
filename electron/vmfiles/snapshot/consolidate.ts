// Consolidation: a delta's grains written into its parent, as VMware does when a snapshot
// is deleted ("the changes are written to the parent"). Afterwards the parent alone reads
// what the delta read, and the delta can go.
//
// Why this is safe at every instant: only ranges the delta owns are written, and reads
// through the delta never reach the parent there, so the delta's view (and the view of
// every disk above it) does not change while the parent is written. The parent keeps its
// CID (OpenOptions.keepCid) so the delta's parentCID stays valid until the delta is
// removed. The parent's own old state is given up: callers only merge into a parent no
// snapshot needs any more.
import { openDisk, type DiskImage } from '../vmdk/index';
import { diskProblem, SnapshotError } from './snapshotError';

export type Progress = (doneBytes: number, totalBytes: number) => void;

/** Copy unit: 16 grains of 64 KiB. */
const CHUNK = 1024 * 1024;

/** Bytes `file` holds itself (what a merge of it copies). */
export function ownedBytes(image: DiskImage): number {
  let total = 0;
  for (const [, len] of image.ownRanges()) total += len;
  return total;
}

/**
 * Writes every range delta `childFile` owns into `parentFile` (its parent, inside real
 * folder `folder`). `what` names the pair in errors.
 */
export function mergeIntoParent(childFile: string, parentFile: string, folder: string, what: string, progress?: Progress): void {
  let child: DiskImage | undefined;
  let parent: DiskImage | undefined;
  try {
    child = openDisk(childFile, { readOnly: true, within: folder });
    parent = openDisk(parentFile, { within: folder, keepCid: true });
  } catch (err) {
    child?.close();
    throw diskProblem(err, what, folder);
  }
  try {
    if (child.size !== parent.size) {
      throw new SnapshotError('unsupported', childFile, `${what}: the delta is ${child.size} bytes but its parent ${parentFile} is ${parent.size}: Vireo consolidates only deltas of the parent's size`);
    }
    const total = ownedBytes(child);
    const buf = Buffer.alloc(CHUNK);
    let done = 0;
    progress?.(0, total);
    for (const [start, len] of child.ownRanges()) {
      for (let at = start; at < start + len; at += CHUNK) {
        const piece = buf.subarray(0, Math.min(CHUNK, start + len - at));
        child.read(at, piece);
        parent.write(at, piece);
        done += piece.length;
        progress?.(done, total);
      }
    }
    parent.flush();
  } catch (err) {
    child.close();
    closeQuietly(parent);
    throw err instanceof SnapshotError ? err : diskProblem(err, what, folder);
  }
  child.close();
  try {
    parent.close(); // commits the last grain tables
  } catch (err) {
    throw diskProblem(err, what, folder);
  }
}

function closeQuietly(d: DiskImage): void {
  try {
    d.close();
  } catch {
    // the error that made us close is the one to report
  }
}
