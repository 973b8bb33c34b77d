// Grain tables kept in memory, shared by all sparse extents of one disk so that a disk of
// thousands of extents is bounded as a whole: GT_CACHE_LIMIT tables of 2 KiB = 8 MiB.
// Least recently used tables are dropped; they are re-read (and re-validated) on demand.

export const GT_CACHE_LIMIT = 4096;

let nextOwner = 1;

export class GtCache {
  private readonly map = new Map<number, Uint32Array>();

  /** A key space for one extent; GD indices are < 2^20 (MAX_GD_ENTRIES). */
  newOwner(): number {
    return nextOwner++ * 2 ** 21;
  }

  get(owner: number, index: number): Uint32Array | undefined {
    const gt = this.map.get(owner + index);
    if (gt) {
      this.map.delete(owner + index); // re-insert as most recent
      this.map.set(owner + index, gt);
    }
    return gt;
  }

  set(owner: number, index: number, gt: Uint32Array): void {
    if (!this.map.has(owner + index) && this.map.size >= GT_CACHE_LIMIT) this.map.delete(this.map.keys().next().value!);
    this.map.set(owner + index, gt);
  }

  drop(owner: number): void {
    for (const k of [...this.map.keys()]) if (k >= owner && k < owner + 2 ** 21) this.map.delete(k);
  }
}
