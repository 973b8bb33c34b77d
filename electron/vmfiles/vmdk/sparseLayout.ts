// Where a hosted sparse extent keeps its own metadata: the header (sector 0), the embedded
// descriptor, the grain directory and its redundant copy, and every grain table either
// directory points at. A grain-table entry that lands on any of these is corruption — a
// guest write through it would rewrite the file's own metadata — and so is a directory
// entry that puts a grain table on the header, the descriptor or a directory.
import { SparseHeader, gdSectors, gtSectors } from './sparseHeader';

interface Region {
  start: number;
  length: number;
  name: string;
}

export class SparseLayout {
  /** Header, descriptor, GD, RGD: few and of different lengths. */
  private readonly fixed: Region[] = [];
  /** Starts of all grain tables (GD's and RGD's), sorted; each is `gts` sectors long. */
  private readonly tables: number[] = [];
  private readonly tableNames = new Map<number, string>();
  private readonly gts: number;

  constructor(h: SparseHeader, withRgd: boolean) {
    this.gts = gtSectors(h);
    this.fixed.push({ start: 0, length: 1, name: 'header' });
    if (h.descriptorSize > 0) this.fixed.push({ start: h.descriptorOffset, length: h.descriptorSize, name: 'embedded descriptor' });
    if (h.gdOffset > 0) this.fixed.push({ start: h.gdOffset, length: gdSectors(h), name: 'grain directory' });
    if (withRgd) this.fixed.push({ start: h.rgdOffset, length: gdSectors(h), name: 'redundant grain directory' });
  }

  /** The fixed region that [start, start + length) overlaps, if any. */
  fixedHit(start: number, length: number): string | null {
    for (const r of this.fixed) if (start < r.start + r.length && r.start < start + length) return r.name;
    return null;
  }

  /** Records the grain tables of a directory (0 = none). Call once per directory. */
  addDirectory(dir: Uint32Array, redundant: boolean): void {
    const name = redundant ? 'redundant grain table' : 'grain table';
    for (const at of dir) {
      if (at === 0) continue;
      this.tables.push(at);
      if (!this.tableNames.has(at)) this.tableNames.set(at, name);
    }
    this.tables.sort((a, b) => a - b);
  }

  /** A table appended at the end of the file (always past every table recorded so far). */
  addTable(at: number): void {
    this.tables.push(at);
    this.tableNames.set(at, 'grain table');
  }

  /** Name of the metadata that a grain of `length` sectors at `start` would overwrite. */
  hit(start: number, length: number): string | null {
    const f = this.fixedHit(start, length);
    if (f) return f;
    // A table at s overlaps iff start - gts < s < start + length.
    let lo = 0;
    let hi = this.tables.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tables[mid]! <= start - this.gts) lo = mid + 1;
      else hi = mid;
    }
    const s = this.tables[lo];
    return s !== undefined && s < start + length ? this.tableNames.get(s)! : null;
  }
}
