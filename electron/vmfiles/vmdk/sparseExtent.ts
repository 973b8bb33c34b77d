// Hosted sparse extent ("KDMV"): monolithicSparse, each -sNNN file of twoGbMaxExtentSparse,
// and streamOptimized (compressed, read-only). docs/vmx-vmdk.md §4.4.
//
// Address translation: grain = lba / grainSize; GD[grain / numGTEsPerGT] is the sector of a
// grain table; GT[grain % numGTEsPerGT] is the sector of the grain (0 = unallocated, 1 = zeroed
// grain when FLAG_ZERO_GRAIN). Writes that hit an unallocated grain append the grain at the end
// of the file and update the in-memory GT. commit() (on flush, close, or every
// MAX_PENDING_GRAINS allocations) then fsyncs the grain data, writes the changed GTs to both
// the GD's and the RGD's copy, then new GD/RGD entries, then fsyncs again. A crash therefore
// loses at most unflushed writes and leaks their grains; it never leaves a GT entry pointing
// at data that is not on disk.
import { inflateSync } from 'node:zlib';
import type { DiskImage } from './disk';
import { DiskError } from './errors';
import { DiskProblem, Extent, ExtentInfo } from './extent';
import { FileIo } from './fileIo';
import { GtCache } from './gtCache';
import {
  FLAG_COMPRESSED, FLAG_MARKERS, FLAG_RGD, FLAG_ZERO_GRAIN, SECTOR, SparseHeader,
  gdEntries, gtSectors, parseSparseHeader,
} from './sparseHeader';
import { checkSparse } from './sparseCheck';
import { SparseLayout } from './sparseLayout';

/** streamOptimized metadata marker types (size == 0). */
const MARKER_FOOTER = 3;
/** New grains whose GT entries may wait in memory: 256 MiB of 64 KiB grains. */
const MAX_PENDING_GRAINS = 4096;

export class SparseExtent implements Extent {
  readonly io: FileIo;
  readonly header: SparseHeader;
  readonly gd: Uint32Array;
  readonly rgd: Uint32Array | null;
  readonly sectors: number;
  private readonly grainBytes: number;
  private readonly readOnly: boolean;
  private readonly cache: GtCache;
  private readonly cacheOwner: number;
  private lastGrain: { index: number; data: Buffer } = { index: -1, data: Buffer.alloc(0) };
  /** Delta disks: where unallocated grains come from, and this extent's guest byte offset. */
  private parent: DiskImage | null = null;
  private guestBase = 0;
  /** GTs with entries not yet on disk, by GD index; never evicted before commit(). */
  private readonly dirty = new Map<number, Uint32Array>();
  /** GD indices whose newly allocated GT is not yet referenced from GD/RGD on disk. */
  private readonly newTables = new Set<number>();
  private pendingGrains = 0;
  /** The file's own metadata, which no grain may overlap. */
  private readonly layout: SparseLayout;

  private constructor(io: FileIo, header: SparseHeader, gd: Uint32Array, rgd: Uint32Array | null, layout: SparseLayout, readOnly: boolean, sectors: number, cache: GtCache) {
    this.layout = layout;
    this.cache = cache;
    this.cacheOwner = cache.newOwner();
    this.io = io;
    this.header = header;
    this.gd = gd;
    this.rgd = rgd;
    this.sectors = sectors;
    this.grainBytes = header.grainSize * SECTOR;
    this.readOnly = readOnly;
  }

  /** Reads and validates header and directories. Never writes. `sectors` (default: the
   *  header capacity) is the length the descriptor gives this extent; it may not exceed it. */
  static open(io: FileIo, readOnly: boolean, sectors?: number, cache = new GtCache()): SparseExtent {
    let header = parseSparseHeader(io.readExact(0, Math.min(SECTOR, io.size), 'sparse header'), io.path, io.size);
    if (header.gdOffset === -1) header = readFooter(io);
    const compressed = (header.flags & FLAG_COMPRESSED) !== 0;
    if (compressed && !(header.flags & FLAG_MARKERS)) {
      throw new DiskError('unsupported', io.path, 'compressed grains without stream markers');
    }
    if (!readOnly && (compressed || header.version === 3)) {
      // qemu opens version 3 (streamOptimized, or CBT per VMware KB 2064959) read-only too.
      throw new DiskError('read-only', io.path, `${compressed ? 'streamOptimized (compressed)' : 'version 3'} extents can only be opened read-only`);
    }
    if (header.capacity === 0) throw new DiskError('unsupported', io.path, 'descriptor-only sparse file has no data extent');
    const n = gdEntries(header);
    const withRgd = (header.flags & FLAG_RGD) !== 0 && !compressed;
    const layout = new SparseLayout(header, withRgd);
    const gd = readDirectory(io, header, layout, header.gdOffset, n, 'grain directory');
    const rgd = withRgd ? readDirectory(io, header, layout, header.rgdOffset, n, 'redundant grain directory') : null;
    layout.addDirectory(gd, false);
    if (rgd) layout.addDirectory(rgd, true);
    return new SparseExtent(io, header, gd, rgd, layout, readOnly, Math.min(sectors ?? header.capacity, header.capacity), cache);
  }

  attachParent(parent: DiskImage | null, guestBase: number): void {
    this.parent = parent;
    this.guestBase = guestBase;
  }

  get compressed(): boolean {
    return (this.header.flags & FLAG_COMPRESSED) !== 0;
  }

  get writable(): boolean {
    return !this.readOnly;
  }

  /** GTE 0 = unallocated; GTE 1 = zeroed grain only with FLAG_ZERO_GRAIN, else a sector. */
  private holdsData(gte: number): boolean {
    return gte > 1 || (gte === 1 && !(this.header.flags & FLAG_ZERO_GRAIN));
  }

  read(pos: number, buf: Uint8Array): void {
    for (let done = 0; done < buf.length;) {
      const p = pos + done;
      const grain = Math.floor(p / this.grainBytes);
      const inGrain = p - grain * this.grainBytes;
      const n = Math.min(this.grainBytes - inGrain, buf.length - done);
      const dst = buf.subarray(done, done + n);
      const sector = this.entry(grain);
      if (sector === 0 && this.parent) this.readParent(p, dst);
      else if (!this.holdsData(sector)) dst.fill(0);
      else if (this.compressed) dst.set(this.inflateGrain(grain, sector).subarray(inGrain, inGrain + n));
      else this.io.readInto(dst, sector * SECTOR + inGrain, `grain ${grain}`);
      done += n;
    }
  }

  write(pos: number, data: Uint8Array): void {
    if (this.readOnly) throw new DiskError('read-only', this.io.path, 'opened read-only');
    for (let done = 0; done < data.length;) {
      const p = pos + done;
      const grain = Math.floor(p / this.grainBytes);
      const inGrain = p - grain * this.grainBytes;
      const n = Math.min(this.grainBytes - inGrain, data.length - done);
      const src = data.subarray(done, done + n);
      const sector = this.entry(grain);
      if (this.holdsData(sector)) this.io.write(src, sector * SECTOR + inGrain);
      else if (src.some((b) => b !== 0) || (sector === 0 && this.parent)) {
        // Zeros into an unallocated/zeroed grain already read back as zeros: no allocation,
        // unless a parent shows through. Otherwise copy-on-write from the parent.
        const full = Buffer.alloc(this.grainBytes);
        if (sector === 0 && this.parent) this.readParent(grain * this.grainBytes, full);
        full.set(src, inGrain);
        const at = this.appendSectors(this.header.grainSize);
        this.io.write(full, at * SECTOR);
        this.setEntry(grain, at);
      }
      done += n;
    }
  }

  probeWrite(pos: number, length: number): void {
    const last = Math.floor((pos + Math.max(length, 1) - 1) / this.grainBytes);
    for (let grain = Math.floor(pos / this.grainBytes); grain <= last; grain += this.header.numGTEsPerGT) this.entry(grain);
    this.entry(last);
  }

  flush(): void {
    if (this.dirty.size > 0) this.commit();
    else this.io.sync();
  }

  close(): void {
    try {
      if (!this.readOnly) this.commit();
    } finally {
      this.cache.drop(this.cacheOwner);
      this.io.close();
    }
  }

  info(): ExtentInfo {
    const h = this.header;
    return { type: 'SPARSE', file: this.io.path, sectors: h.capacity, version: h.version, grainSize: h.grainSize, compressed: this.compressed };
  }

  allocatedBytes(): number {
    return this.io.allocatedBytes();
  }

  /** Runs of grains with a non-zero GT entry (data, or a zeroed grain), coalesced; grain
   *  tables that are absent (GD entry 0) are skipped whole. */
  *ownRanges(): Generator<[number, number]> {
    const per = this.header.numGTEsPerGT;
    const end = this.sectors * SECTOR;
    let start = -1;
    let stop = -1;
    for (let index = 0; index < this.gd.length; index++) {
      const gt = this.loadGt(index);
      if (!gt) continue;
      for (let j = 0; j < per; j++) {
        const at = (index * per + j) * this.grainBytes;
        if (at >= end) break;
        if (gt[j] === 0) continue;
        if (at !== stop) {
          if (start >= 0) yield [start, stop - start];
          start = at;
        }
        stop = Math.min(at + this.grainBytes, end);
      }
    }
    if (start >= 0) yield [start, stop - start];
  }

  check(problems: DiskProblem[]): void {
    checkSparse(this, problems);
  }

  /** Parent bytes for extent offset `pos`; past the parent's end (or this extent's) reads zeros. */
  private readParent(pos: number, dst: Uint8Array): void {
    const guest = this.guestBase + pos;
    const limit = Math.min(this.parent!.size, this.guestBase + this.sectors * SECTOR);
    const n = Math.max(0, Math.min(dst.length, limit - guest));
    if (n > 0) this.parent!.read(guest, dst.subarray(0, n));
    dst.fill(0, n);
  }

  /** Raw grain table at `sector`, unvalidated (for check()). */
  readGtAt(sector: number): Uint32Array {
    const bytes = this.io.readExact(sector * SECTOR, this.header.numGTEsPerGT * 4, `grain table at sector ${sector}`);
    const gt = new Uint32Array(this.header.numGTEsPerGT);
    for (let i = 0; i < gt.length; i++) gt[i] = bytes.readUInt32LE(i * 4);
    return gt;
  }

  /** GT entry of `grain`: 0 unallocated, 1 zeroed, else the grain's sector. */
  private entry(grain: number): number {
    const gt = this.loadGt(Math.floor(grain / this.header.numGTEsPerGT));
    return gt ? gt[grain % this.header.numGTEsPerGT] : 0;
  }

  private loadGt(index: number): Uint32Array | null {
    const cached = this.dirty.get(index) ?? this.cache.get(this.cacheOwner, index);
    if (cached) return cached;
    const at = this.gd[index];
    if (at === 0) return null;
    const gt = this.readGtAt(at);
    const fileSectors = Math.floor(this.io.size / SECTOR);
    const need = this.compressed ? 1 : this.header.grainSize;
    for (let j = 0; j < gt.length; j++) {
      const e = gt[j];
      if (!this.holdsData(e)) continue;
      if (e + need > fileSectors) {
        throw new DiskError('corrupt', this.io.path, `grain table ${index} entry ${j} points to sector ${e}, beyond the end of the file (${fileSectors} sectors)`);
      }
      const meta = this.layout.hit(e, need);
      if (meta) throw new DiskError('corrupt', this.io.path, `grain table ${index} entry ${j} points into the ${meta} (sector ${e}): refusing I/O through it`);
    }
    this.cache.set(this.cacheOwner, index, gt);
    return gt;
  }

  private setEntry(grain: number, sector: number): void {
    const per = this.header.numGTEsPerGT;
    const index = Math.floor(grain / per);
    const gt = this.loadGt(index) ?? this.allocateGt(index);
    gt[grain % per] = sector;
    this.dirty.set(index, gt);
    if (++this.pendingGrains >= MAX_PENDING_GRAINS) this.commit();
  }

  /** A GD entry of 0 has no grain table yet: append zeroed GT (and RGT) sectors. The GD/RGD
   *  entries pointing at them are written by commit(), after the zeros are durable. */
  private allocateGt(index: number): Uint32Array {
    const gts = gtSectors(this.header);
    const zeros = Buffer.alloc(gts * SECTOR);
    if (this.rgd) {
      this.rgd[index] = this.appendSectors(gts);
      this.io.write(zeros, this.rgd[index] * SECTOR);
      this.layout.addTable(this.rgd[index]);
    }
    this.gd[index] = this.appendSectors(gts);
    this.io.write(zeros, this.gd[index] * SECTOR);
    this.layout.addTable(this.gd[index]);
    this.newTables.add(index);
    return new Uint32Array(this.header.numGTEsPerGT);
  }

  /** Data first (fsync), then grain tables (both copies), then directory entries, then fsync. */
  private commit(): void {
    if (this.dirty.size === 0) return;
    this.io.sync();
    const table = Buffer.alloc(this.header.numGTEsPerGT * 4);
    for (const [index, gt] of this.dirty) {
      gt.forEach((e, j) => table.writeUInt32LE(e, j * 4));
      this.io.write(table, this.gd[index] * SECTOR);
      if (this.rgd) this.io.write(table, this.rgd[index] * SECTOR);
    }
    const le = Buffer.alloc(4);
    for (const index of this.newTables) {
      le.writeUInt32LE(this.gd[index]);
      this.io.write(le, this.header.gdOffset * SECTOR + index * 4);
      if (this.rgd) {
        le.writeUInt32LE(this.rgd[index]);
        this.io.write(le, this.header.rgdOffset * SECTOR + index * 4);
      }
    }
    this.io.sync();
    for (const [index, gt] of this.dirty) this.cache.set(this.cacheOwner, index, gt);
    this.dirty.clear();
    this.newTables.clear();
    this.pendingGrains = 0;
  }

  private appendSectors(count: number): number {
    const at = Math.ceil(this.io.size / SECTOR);
    if (at + count > 0xffffffff) throw new DiskError('too-large', this.io.path, 'extent file would exceed 2^32 sectors (GT entries are 32-bit)');
    this.io.size = (at + count) * SECTOR; // reserve; the write that follows makes it real
    return at;
  }

  /** streamOptimized grain: marker {u64 lba; u32 size} then `size` bytes of zlib data. */
  private inflateGrain(grain: number, sector: number): Buffer {
    if (this.lastGrain.index === grain) return this.lastGrain.data;
    const head = this.io.readExact(sector * SECTOR, 12, `grain marker of grain ${grain}`);
    const lba = head.readBigUInt64LE(0);
    const size = head.readUInt32LE(8);
    const where = `grain ${grain} at sector ${sector}`;
    if (lba !== BigInt(grain) * BigInt(this.header.grainSize)) throw new DiskError('corrupt', this.io.path, `${where}: marker says LBA ${lba}`);
    if (size === 0 || size > this.grainBytes * 2 + 1024) throw new DiskError('corrupt', this.io.path, `${where}: compressed size ${size} is implausible`);
    const packed = this.io.readExact(sector * SECTOR + 12, size, `compressed ${where}`);
    let data: Buffer;
    try {
      data = inflateSync(packed, { maxOutputLength: this.grainBytes });
    } catch (err) {
      throw new DiskError('corrupt', this.io.path, `${where}: cannot inflate (${(err as Error).message})`);
    }
    if (data.length < this.grainBytes) data = Buffer.concat([data, Buffer.alloc(this.grainBytes - data.length)]);
    this.lastGrain = { index: grain, data };
    return data;
  }
}

function readDirectory(io: FileIo, h: SparseHeader, layout: SparseLayout, at: number, n: number, what: string): Uint32Array {
  const bytes = io.readExact(at * SECTOR, n * 4, what);
  const dir = new Uint32Array(n);
  const fileSectors = Math.floor(io.size / SECTOR);
  const gts = gtSectors(h);
  for (let i = 0; i < n; i++) {
    const e = bytes.readUInt32LE(i * 4);
    if (e !== 0 && e + gts > fileSectors) {
      throw new DiskError('truncated', io.path, `${what} entry ${i}: grain table at sector ${e} lies beyond the end of the file (${fileSectors} sectors)`);
    }
    const meta = e === 0 ? null : layout.fixedHit(e, gts);
    if (meta) throw new DiskError('corrupt', io.path, `${what} entry ${i}: grain table at sector ${e} lies in the ${meta}`);
    dir[i] = e;
  }
  return dir;
}

/** streamOptimized with GD_AT_END: footer = marker (512) + header copy (512) + EOS (512). */
function readFooter(io: FileIo): SparseHeader {
  if (io.size < 4 * SECTOR) throw new DiskError('truncated', io.path, 'too short for a streamOptimized footer');
  const tail = io.readExact(io.size - 3 * SECTOR, 3 * SECTOR, 'footer');
  if (tail.readUInt32LE(8) !== 0 || tail.readUInt32LE(12) !== MARKER_FOOTER) {
    throw new DiskError('corrupt', io.path, 'grain directory is "at end" but no footer marker precedes the footer header');
  }
  const h = parseSparseHeader(tail.subarray(SECTOR, 2 * SECTOR), io.path, io.size);
  if (h.gdOffset === -1) throw new DiskError('corrupt', io.path, 'footer header does not say where the grain directory is');
  return h;
}
