// What every extent kind (sparse, flat, zero) offers the disk that strings them together.
// Offsets are bytes relative to the start of the extent; the disk has already checked
// that [pos, pos + length) lies inside the extent.

export interface DiskProblem {
  file: string;
  message: string;
}

export interface ExtentInfo {
  type: string; // SPARSE | FLAT | ZERO | RAW
  file?: string;
  sectors: number;
  /** FLAT: data offset in sectors. */
  offset?: number;
  /** SPARSE: header version, grain size (sectors), compression, allocated grains. */
  version?: number;
  grainSize?: number;
  compressed?: boolean;
}

export interface Extent {
  readonly sectors: number;
  /** False for ZERO extents, compressed or read-only files: checked before any byte is written. */
  readonly writable: boolean;
  read(pos: number, buf: Uint8Array): void;
  write(pos: number, data: Uint8Array): void;
  /** Loads and validates the metadata a write of `length` bytes at `pos` would use, and
   *  throws what write() would throw for it: called before anything of a write is done. */
  probeWrite?(pos: number, length: number): void;
  flush(): void;
  close(): void;
  info(): ExtentInfo;
  /** [pos, length) runs this extent answers itself, in ascending order: everything but
   *  the unallocated grains of a sparse extent, which read through to the parent (or as
   *  zeros without one). */
  ownRanges(): Generator<[number, number]>;
  /** Host bytes used by the extent's file (0 for ZERO). */
  allocatedBytes(): number;
  /** Appends metadata problems; reads only, never writes. */
  check(problems: DiskProblem[]): void;
}
