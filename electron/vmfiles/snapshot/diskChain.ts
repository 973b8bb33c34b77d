// A disk's chain as snapshot operations see it: the top file and each parent down to the
// base, read through the VMDK reader (vmdk/open.ts), which refuses what a hostile folder
// can hold: a parentFileNameHint leaving the descriptor's folder, a parentCID that is not
// the parent's CID, a loop (st_dev/st_ino), a damaged header or table. Opening only reads.
import * as path from 'node:path';
import { DiskError, openDisk, type DiskInfo } from '../vmdk/index';
import { isInside, realPath } from '../vmdk/fileIo';
import { diskProblem, SnapshotError } from './snapshotError';

export interface Layer {
  /** Real path of the file that names the layer (the descriptor, or the sparse file). */
  real: string;
  /** Relative to the VM folder, `/` separators. */
  rel: string;
  /** Undefined for raw images (no CID). */
  cid?: number;
  /** Real path of the parent layer; undefined for the base. */
  parent?: string;
  subformat?: string;
}

export interface Chain {
  /** Top first, base last. */
  layers: Layer[];
  sizeBytes: number;
  /** The top's grain size in sectors when it is a sparse extent. */
  grainSectors?: number;
  ddb: Array<[string, string]>;
  format: DiskInfo['format'];
}

/** Relative path of real path `real` inside real folder `folder`, `/` separators. */
export function relativeIn(folder: string, real: string): string {
  return path.relative(folder, real).split(path.sep).join('/');
}

/**
 * Opens `file` read-only inside the real VM folder and lists its chain. `what` names it
 * in errors ("disk scsi0:0 of snapshot 'Clean'"); every failure is a SnapshotError with
 * the remedy.
 */
export function inspectChain(file: string, folder: string, what: string, otherwise?: string): Chain {
  let disk;
  try {
    disk = openDisk(file, { readOnly: true, within: folder });
  } catch (err) {
    throw diskProblem(err, what, folder, otherwise);
  }
  try {
    const info = disk.info();
    const layers: Layer[] = [];
    for (let i: DiskInfo | undefined = info; i; i = i.backing) {
      const real = realPath(i.files[0]);
      layers.push({ real, rel: relativeIn(folder, real), cid: i.cid === undefined ? undefined : parseInt(i.cid, 16), subformat: i.subformat });
    }
    for (let k = 0; k + 1 < layers.length; k++) layers[k].parent = layers[k + 1].real;
    const sparse = info.extents.find((e) => e.type === 'SPARSE');
    return { layers, sizeBytes: disk.size, grainSectors: sparse?.grainSize, ddb: info.ddb ?? [], format: info.format };
  } catch (err) {
    throw err instanceof DiskError ? diskProblem(err, what, folder, otherwise) : err;
  } finally {
    disk.close();
  }
}

/** The folder a snapshot's disk file must be in, checked on a path the .vmx or an index
 *  names: refused when it leaves the folder (real paths). */
export function insideFolder(folder: string, rel: string, what: string, otherwise?: string): string {
  const p = path.resolve(folder, rel);
  let real: string;
  try {
    real = realPath(p, 'open');
  } catch (err) {
    throw diskProblem(err, what, folder, otherwise);
  }
  if (real === folder || !isInside(folder, real)) {
    throw new SnapshotError('disk', p, `${what}: resolves to ${real}, outside the VM folder ${folder}: snapshot disks must stay in the VM folder${otherwise ? `, ${otherwise}` : ''}`);
  }
  return real;
}
