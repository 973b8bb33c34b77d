// New empty sparse VMDKs in qemu's layout (block/vmdk.c `vmdk_init_extent`):
//   sector 0 header | descriptor (monolithic: sector 1, 20 sectors) | RGD | RGTs | GD | GTs |
//   grains from `overHead` (rounded up to a grain).
// Version 1, flags NL_DETECT|RGD, 128-sector (64 KiB) grains, 512 entries per GT.
// twoGbMaxExtentSparse: a descriptor file plus name-s001.vmdk… of at most 2 GiB each.
// Delta (snapshot) disks: monolithicSparse with parentCID and parentFileNameHint, as VMware
// Workstation writes `NAME-000001.vmdk` and as `qemu-img create -f vmdk -b PARENT` does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomInt } from 'node:crypto';
import { fsyncDir } from '../atomicWrite';
import { Descriptor, ExtentLine, MAX_DISK_SECTORS, NO_PARENT_CID, quotableName, serializeDescriptor } from './descriptor';
import { DiskError, ioError } from './errors';
import { FLAG_NL_DETECT, FLAG_RGD, MAX_GRAIN_SECTORS, SECTOR, SparseHeader, gdSectors, gtSectors, serializeSparseHeader } from './sparseHeader';

export type SparseSubformat = 'monolithicSparse' | 'twoGbMaxExtentSparse';
export type AdapterType = 'ide' | 'lsilogic' | 'buslogic' | 'legacyESX';

export interface CreateOptions {
  subformat?: SparseSubformat;
  adapterType?: AdapterType;
}

const GRAIN = 128;
const GTES = 512;
const EMBEDDED_DESCRIPTOR_SECTORS = 20;
/** twoGbMaxExtent* split size: 0x80000000 bytes. */
const SPLIT_SECTORS = 0x80000000 / SECTOR;

/** Creates the files (never overwriting) and returns the paths written, descriptor first. */
export function createSparseVmdk(file: string, sizeBytes: number, opts: CreateOptions = {}): string[] {
  const subformat = opts.subformat ?? 'monolithicSparse';
  const adapterType = opts.adapterType ?? 'ide';
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new DiskError('out-of-range', file, `invalid size ${sizeBytes}`);
  const sectors = Math.ceil(sizeBytes / SECTOR);
  if (sectors > MAX_DISK_SECTORS) throw new DiskError('too-large', file, `size of ${sizeBytes} bytes exceeds the limit`);
  const desc: Descriptor = {
    version: 1,
    cid: randomInt(0, 0xfffffffe),
    parentCid: NO_PARENT_CID,
    createType: subformat,
    extents: [],
    header: [],
    ddb: ddb(sectors, adapterType),
  };
  if (!quotableName(path.basename(file))) throw new DiskError('out-of-range', file, 'a VMDK name cannot contain quotes or control characters (its descriptor names the file between quotes)');
  const base = path.basename(file).replace(/\.vmdk$/i, '');
  const dir = path.dirname(file);
  const created: string[] = [];
  try {
    if (subformat === 'monolithicSparse') {
      desc.extents.push({ access: 'RW', sectors, type: 'SPARSE', file: path.basename(file), offset: 0 });
      writeSparseExtent(file, sectors, GRAIN, serializeDescriptor(desc), created);
    } else {
      const lines: ExtentLine[] = [];
      for (let start = 0, i = 1; start < sectors; start += SPLIT_SECTORS, i++) {
        lines.push({ access: 'RW', sectors: Math.min(SPLIT_SECTORS, sectors - start), type: 'SPARSE', file: `${base}-s${String(i).padStart(3, '0')}.vmdk`, offset: 0 });
      }
      desc.extents = lines;
      const text = Buffer.from(serializeDescriptor(desc), 'utf8');
      writeNew(file, [{ pos: 0, data: text }], text.length, created);
      for (const l of lines) writeSparseExtent(path.join(dir, l.file!), l.sectors, GRAIN, null, created);
    }
    fsyncDir(dir);
  } catch (err) {
    for (const f of created) fs.rmSync(f, { force: true });
    throw err;
  }
  return created;
}

export interface DeltaOptions {
  /** The parent's current CID: the new disk's parentCID. */
  parentCid: number;
  /** How the descriptor names the parent (a file name beside the delta). */
  parentFileNameHint: string;
  /** The parent's capacity; the delta has the same. */
  capacitySectors: number;
  /** Grain size in sectors (a power of two): the parent's, when it is sparse. */
  grainSectors: number;
  /** The file name the extent line gives: the final name when `file` is a temporary one. */
  extentFileName: string;
  /** Disk database entries carried over from the parent (geometry, adapter type). */
  ddb: Array<[string, string]>;
}

/**
 * Creates a delta disk (never overwriting) whose unallocated grains read from the parent.
 * Returns the new disk's CID.
 */
export function createDeltaVmdk(file: string, o: DeltaOptions): number {
  if (!Number.isSafeInteger(o.capacitySectors) || o.capacitySectors <= 0 || o.capacitySectors > MAX_DISK_SECTORS) {
    throw new DiskError('out-of-range', file, `invalid capacity ${o.capacitySectors} sectors`);
  }
  if (!Number.isInteger(o.grainSectors) || o.grainSectors < 1 || o.grainSectors > MAX_GRAIN_SECTORS || (o.grainSectors & (o.grainSectors - 1)) !== 0) {
    throw new DiskError('out-of-range', file, `grain size ${o.grainSectors} sectors is not a power of two`);
  }
  for (const name of [o.parentFileNameHint, o.extentFileName]) {
    if (!quotableName(name)) throw new DiskError('out-of-range', file, `${JSON.stringify(name)} cannot be written into a descriptor`);
  }
  let cid: number;
  do cid = randomInt(0, 0xfffffffe);
  while (cid === o.parentCid);
  const desc: Descriptor = {
    version: 1,
    cid,
    parentCid: o.parentCid,
    createType: 'monolithicSparse',
    parentFileNameHint: o.parentFileNameHint,
    extents: [{ access: 'RW', sectors: o.capacitySectors, type: 'SPARSE', file: o.extentFileName, offset: 0 }],
    header: [['encoding', 'UTF-8']],
    ddb: o.ddb.filter(([k]) => DELTA_DDB_KEYS.has(k.toLowerCase())),
  };
  const created: string[] = [];
  try {
    writeSparseExtent(file, o.capacitySectors, o.grainSectors, serializeDescriptor(desc), created);
    fsyncDir(path.dirname(file));
  } catch (err) {
    for (const f of created) fs.rmSync(f, { force: true });
    throw err;
  }
  return cid;
}

/** What a delta repeats of its parent's disk database; the rest (UUIDs, tools version,
 *  longContentID) belongs to the parent. */
const DELTA_DDB_KEYS = new Set(['ddb.virtualhwversion', 'ddb.geometry.cylinders', 'ddb.geometry.heads', 'ddb.geometry.sectors', 'ddb.adaptertype']);

function writeSparseExtent(file: string, capacity: number, grain: number, descriptor: string | null, created: string[]): void {
  const descSectors = descriptor === null ? 0 : EMBEDDED_DESCRIPTOR_SECTORS;
  const h: SparseHeader = {
    version: 1,
    flags: FLAG_NL_DETECT | FLAG_RGD,
    capacity,
    grainSize: grain,
    descriptorOffset: descriptor === null ? 0 : 1,
    descriptorSize: descSectors,
    numGTEsPerGT: GTES,
    rgdOffset: 0,
    gdOffset: 0,
    overHead: 0,
    uncleanShutdown: 0,
    compressAlgorithm: 0,
  };
  const numGts = Math.ceil(capacity / (GTES * grain));
  const gds = gdSectors(h);
  const gts = gtSectors(h);
  h.rgdOffset = 1 + descSectors;
  h.gdOffset = h.rgdOffset + gds + numGts * gts;
  h.overHead = Math.ceil((h.gdOffset + gds + numGts * gts) / grain) * grain;
  // Only header, descriptor and the two directories hold non-zero bytes; the grain tables
  // are zero (every grain unallocated) and come from extending the file.
  const head = Buffer.alloc((1 + descSectors) * SECTOR);
  serializeSparseHeader(h).copy(head, 0);
  if (descriptor !== null) {
    const text = Buffer.from(descriptor, 'utf8');
    if (text.length > descSectors * SECTOR) throw new DiskError('too-large', file, 'descriptor does not fit in 20 sectors');
    text.copy(head, SECTOR);
  }
  const directory = (tablesAt: number) => {
    const d = Buffer.alloc(gds * SECTOR);
    for (let i = 0; i < numGts; i++) d.writeUInt32LE(tablesAt + i * gts, i * 4);
    return d;
  };
  writeNew(file, [
    { pos: 0, data: head },
    { pos: h.rgdOffset * SECTOR, data: directory(h.rgdOffset + gds) },
    { pos: h.gdOffset * SECTOR, data: directory(h.gdOffset + gds) },
  ], h.overHead * SECTOR, created);
}

/** O_EXCL create + write + fsync; refuses to replace an existing file. */
function writeNew(file: string, pieces: Array<{ pos: number; data: Uint8Array }>, length: number, created: string[]): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new DiskError('exists', file, 'file already exists');
    throw ioError(file, err, 'create');
  }
  created.push(file);
  try {
    for (const { pos, data } of pieces) {
      for (let done = 0; done < data.length;) done += fs.writeSync(fd, data, done, data.length - done, pos + done);
    }
    fs.ftruncateSync(fd, length);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Disk database; geometry per qemu: heads 16 for IDE else 255, 63 sectors per track. */
function ddb(sectors: number, adapterType: AdapterType): Array<[string, string]> {
  const heads = adapterType === 'ide' ? 16 : 255;
  const cylinders = Math.min(Math.ceil(sectors / (63 * heads)), 65535);
  return [
    ['ddb.virtualHWVersion', '4'],
    ['ddb.geometry.cylinders', String(cylinders)],
    ['ddb.geometry.heads', String(heads)],
    ['ddb.geometry.sectors', '63'],
    ['ddb.adapterType', adapterType],
  ];
}
