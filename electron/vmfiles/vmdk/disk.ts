// A virtual disk = an ordered list of extents (one for raw and monolithic images, many for
// twoGbMaxExtent*). All I/O is synchronous: the VM host process owns the disk, and ordering
// (grain data before grain-table entries) is simplest to guarantee without interleaving.
import { DiskError } from './errors';
import { DiskProblem, Extent, ExtentInfo } from './extent';
import { SECTOR } from './sparseHeader';

export interface DiskInfo {
  format: 'vmdk' | 'raw';
  /** VMDK createType (monolithicSparse, twoGbMaxExtentFlat, streamOptimized…). */
  subformat?: string;
  /** Guest-visible size in bytes. */
  virtualSize: number;
  /** Host bytes used by all files (st_blocks × 512, like `qemu-img info` "disk size"). */
  allocatedSize: number;
  /** Descriptor (if separate) then extent files. */
  files: string[];
  cid?: string;
  parentCid?: string;
  /** Delta disks: the parent's info (which may have a parent of its own). */
  backing?: DiskInfo;
  /** VMDK disk database (`ddb.*` lines of the descriptor), values unquoted. */
  ddb?: Array<[string, string]>;
  readOnly: boolean;
  extents: ExtentInfo[];
}

export interface DiskImage {
  readonly path: string;
  readonly size: number;
  readonly readOnly: boolean;
  /** Fills `buf` from guest byte `offset`; throws DiskError('out-of-range') past the end. */
  read(offset: number, buf: Uint8Array): void;
  write(offset: number, data: Uint8Array): void;
  /** Makes every completed write durable (fsync of each written file). */
  flush(): void;
  close(): void;
  info(): DiskInfo;
  /** Read-only metadata check; an empty list means consistent. */
  check(): DiskProblem[];
  /** [offset, length) runs of guest bytes this disk's own files answer, ascending and
   *  coalesced; the rest reads through to the parent (zeros without one). A disk without a
   *  parent that is not sparse owns everything. */
  ownRanges(): Generator<[number, number]>;
}

export interface DiskMeta {
  format: 'vmdk' | 'raw';
  subformat?: string;
  cid?: number;
  parentCid?: number;
  descriptorFile?: string;
  /** Backing disk of a delta (snapshot) disk; owned and closed with this disk. */
  parent?: DiskImage;
  descriptorBytes?: () => number;
  ddb?: Array<[string, string]>;
  /** Called once before the first write (VMDK: give the disk a new CID). */
  beforeFirstWrite?: () => void;
  problems?: DiskProblem[];
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export class ExtentDisk implements DiskImage {
  readonly path: string;
  readonly size: number;
  readonly readOnly: boolean;
  private readonly extents: Extent[];
  /** Byte offset where each extent starts, plus the total at the end. */
  private readonly starts: number[];
  private readonly meta: DiskMeta;
  private written = false;
  private closed = false;

  constructor(path: string, extents: Extent[], readOnly: boolean, meta: DiskMeta) {
    this.path = path;
    this.extents = extents;
    this.readOnly = readOnly;
    this.meta = meta;
    this.starts = [0];
    for (const e of extents) this.starts.push(this.starts[this.starts.length - 1] + e.sectors * SECTOR);
    this.size = this.starts[this.starts.length - 1];
  }

  read(offset: number, buf: Uint8Array): void {
    this.each(offset, buf.length, (e, pos, from, n) => e.read(pos, buf.subarray(from, from + n)));
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new DiskError('read-only', this.path, 'disk is open read-only');
    this.bounds(offset, data.length);
    // All-or-nothing on permissions: never half-apply a write that ends in a ZERO extent.
    // The same for corrupt metadata: the CID bump below is a write, too.
    this.each(offset, data.length, (e, pos, _from, n) => {
      if (!e.writable) throw new DiskError('read-only', e.info().file ?? this.path, `${e.info().type} extent is not writable`);
      e.probeWrite?.(pos, n);
    });
    if (!this.written) {
      this.meta.beforeFirstWrite?.();
      this.written = true;
    }
    this.each(offset, data.length, (e, pos, from, n) => e.write(pos, data.subarray(from, from + n)));
  }

  flush(): void {
    this.alive();
    for (const e of this.extents) e.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Close everything even if committing one extent fails; report the first failure.
    let first: unknown;
    for (const c of [...this.extents, ...(this.meta.parent ? [this.meta.parent] : [])]) {
      try {
        c.close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first) throw first;
  }

  info(): DiskInfo {
    this.alive();
    const extents = this.extents.map((e) => e.info());
    const files = [...new Set([this.meta.descriptorFile, ...extents.map((e) => e.file)].filter((f): f is string => !!f))];
    return {
      format: this.meta.format,
      subformat: this.meta.subformat,
      virtualSize: this.size,
      allocatedSize: this.extents.reduce((n, e) => n + e.allocatedBytes(), this.meta.descriptorBytes?.() ?? 0),
      files,
      cid: this.meta.cid === undefined ? undefined : hex8(this.meta.cid),
      parentCid: this.meta.parentCid === undefined ? undefined : hex8(this.meta.parentCid),
      backing: this.meta.parent?.info(),
      ddb: this.meta.ddb,
      readOnly: this.readOnly,
      extents,
    };
  }

  check(): DiskProblem[] {
    this.alive();
    const problems: DiskProblem[] = [...(this.meta.problems ?? [])];
    for (const e of this.extents) {
      try {
        e.check(problems);
      } catch (err) {
        problems.push({ file: err instanceof DiskError ? err.file : this.path, message: (err as Error).message });
      }
    }
    return problems;
  }

  *ownRanges(): Generator<[number, number]> {
    this.alive();
    let start = -1;
    let stop = -1;
    for (let i = 0; i < this.extents.length; i++) {
      for (const [pos, len] of this.extents[i].ownRanges()) {
        const at = this.starts[i] + pos;
        if (at !== stop) {
          if (start >= 0) yield [start, stop - start];
          start = at;
        }
        stop = at + len;
      }
    }
    if (start >= 0) yield [start, stop - start];
  }

  private alive(): void {
    if (this.closed) throw new DiskError('io', this.path, 'disk is closed');
  }

  private bounds(offset: number, len: number): void {
    this.alive();
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + len > this.size) {
      throw new DiskError('out-of-range', this.path, `I/O of ${len} bytes at offset ${offset} is outside the ${this.size}-byte disk`);
    }
  }

  /** Splits [offset, offset+len) at extent boundaries. */
  private each(offset: number, len: number, fn: (e: Extent, pos: number, from: number, n: number) => void): void {
    this.bounds(offset, len);
    let i = this.findExtent(offset);
    for (let done = 0; done < len; i++) {
      const p = offset + done;
      const n = Math.min(len - done, this.starts[i + 1] - p);
      fn(this.extents[i], p - this.starts[i], done, n);
      done += n;
    }
  }

  private findExtent(offset: number): number {
    let lo = 0;
    let hi = this.extents.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
