// Offline consistency check of a hosted sparse extent (read-only, like `qemu-img check`):
//  * every GT (via GD and via RGD) lies inside the file,
//  * the GD's and the RGD's grain tables agree entry by entry,
//  * every GT entry points at a whole grain inside the file,
//  * header, descriptor, directories, tables and grains do not overlap.
import { DiskError } from './errors';
import { DiskProblem } from './extent';
import type { SparseExtent } from './sparseExtent';
import { FLAG_ZERO_GRAIN, SECTOR, gdSectors, gtSectors } from './sparseHeader';

/** Stop listing after this many problems; a badly broken file would otherwise flood. */
const MAX_PROBLEMS = 100;
/** Regions tracked for the overlap test (16 bytes each): 256 MiB at most. */
const MAX_REGIONS = 1 << 24;

export function checkSparse(ext: SparseExtent, problems: DiskProblem[]): void {
  const file = ext.io.path;
  const h = ext.header;
  const fileSectors = Math.floor(ext.io.size / SECTOR);
  const gts = gtSectors(h);
  const compressed = ext.compressed;
  const zeroOk = (h.flags & FLAG_ZERO_GRAIN) !== 0;
  const report = (message: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ file, message });
  };
  const regions = new Regions();
  regions.add(0, 1, Kind.Header, 0);
  if (h.descriptorSize) regions.add(h.descriptorOffset, h.descriptorSize, Kind.Descriptor, 0);
  regions.add(h.gdOffset, gdSectors(h), Kind.Gd, 0);
  if (ext.rgd) regions.add(h.rgdOffset, gdSectors(h), Kind.Rgd, 0);

  const readGt = (at: number, kind: Kind, index: number): Uint32Array | null => {
    const what = regionName(kind, index);
    if (at === 0) return null;
    if (at + gts > fileSectors) {
      report(`${what} at sector ${at} lies beyond the end of the file`);
      return null;
    }
    regions.add(at, gts, kind, index);
    try {
      return ext.readGtAt(at);
    } catch (err) {
      report(err instanceof DiskError ? err.message : String(err));
      return null;
    }
  };

  for (let i = 0; i < ext.gd.length; i++) {
    const gt = readGt(ext.gd[i], Kind.Gt, i);
    if (ext.rgd) {
      const rgt = readGt(ext.rgd[i], Kind.Rgt, i);
      if ((gt === null) !== (rgt === null)) report(`grain table ${i} exists in only one of GD and RGD`);
      else if (gt && rgt) {
        const j = gt.findIndex((e, k) => e !== rgt[k]);
        if (j >= 0) report(`grain table ${i} entry ${j}: GD copy says sector ${gt[j]}, RGD copy says ${rgt[j]}`);
      }
    }
    if (!gt) continue;
    for (let j = 0; j < gt.length; j++) {
      const e = gt[j];
      if (e === 0 || (e === 1 && zeroOk)) continue;
      const len = compressed ? 1 : h.grainSize;
      if (e + len > fileSectors) {
        report(`grain table ${i} entry ${j} points to sector ${e}, outside the file (${fileSectors} sectors)`);
        continue;
      }
      // Compressed grains have variable length; only their first sector is tracked.
      regions.add(e, len, Kind.Grain, i * h.numGTEsPerGT + j);
    }
  }
  if (regions.overflow) report(`more than ${MAX_REGIONS} regions; overlap test skipped`);
  else for (const m of regions.overlaps(MAX_PROBLEMS)) report(m);
}

enum Kind { Header, Descriptor, Gd, Rgd, Gt, Rgt, Grain }

const KIND_NAMES = ['header', 'embedded descriptor', 'grain directory', 'redundant grain directory', 'grain table', 'redundant grain table', 'grain'];

function regionName(kind: Kind, index: number): string {
  return kind >= Kind.Gt ? `${KIND_NAMES[kind]} ${index}` : KIND_NAMES[kind];
}

/** Sector ranges with a compact tag (kind × 2^32 + index) instead of a string each. */
class Regions {
  private starts: number[] = [];
  private lengths: number[] = [];
  private tags: number[] = [];
  overflow = false;

  add(start: number, length: number, kind: Kind, index: number): void {
    if (this.starts.length >= MAX_REGIONS) {
      this.overflow = true;
      return;
    }
    this.starts.push(start);
    this.lengths.push(length);
    this.tags.push(kind * 2 ** 32 + index);
  }

  private name(k: number): string {
    const t = this.tags[k];
    return regionName(Math.floor(t / 2 ** 32), t % 2 ** 32);
  }

  overlaps(limit: number): string[] {
    const order = Uint32Array.from(this.starts.keys()).sort((a, b) => this.starts[a] - this.starts[b]);
    const out: string[] = [];
    let prev = -1;
    for (const k of order) {
      if (prev >= 0 && this.starts[k] < this.starts[prev] + this.lengths[prev]) {
        out.push(`${this.name(k)} (sector ${this.starts[k]}) overlaps ${this.name(prev)} (sectors ${this.starts[prev]}..${this.starts[prev] + this.lengths[prev] - 1})`);
        if (out.length >= limit) break;
      }
      if (prev < 0 || this.starts[k] + this.lengths[k] > this.starts[prev] + this.lengths[prev]) prev = k;
    }
    return out;
  }
}
