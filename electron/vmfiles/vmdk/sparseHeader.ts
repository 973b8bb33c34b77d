// Hosted sparse extent header "KDMV" (VMDK4), little-endian, packed, in sector 0.
// Field offsets: docs/vmx-vmdk.md §4.4 (qemu block/vmdk.c `VMDK4Header`).
import { DiskError } from './errors';
import { MAX_DISK_SECTORS } from './descriptor';

export const SECTOR = 512;
export const SPARSE_MAGIC = 0x564d444b; // "KDMV" read as a little-endian uint32
export const COWD_MAGIC = 0x44574f43; // "COWD" (ESX vmfsSparse), little-endian
export const GD_AT_END = 0xffffffffffffffffn;

export const FLAG_NL_DETECT = 1 << 0; // newline-check bytes are valid
export const FLAG_RGD = 1 << 1; // redundant grain directory in use
export const FLAG_ZERO_GRAIN = 1 << 2; // GTE 1 means "zeroed grain"
export const FLAG_COMPRESSED = 1 << 16;
export const FLAG_MARKERS = 1 << 17;

/** Bytes 73..76: "\n \r\n", mangled by text-mode FTP transfers. */
const NL_CHECK = [0x0a, 0x20, 0x0d, 0x0a];
/** GD entries we are willing to hold in memory (4 MiB for GD + RGD each). */
export const MAX_GD_ENTRIES = 1 << 20;
export const MAX_GRAIN_SECTORS = 1 << 16; // 32 MiB grains; VMware uses 128 (64 KiB)

export interface SparseHeader {
  version: number;
  flags: number;
  capacity: number; // sectors
  grainSize: number; // sectors
  descriptorOffset: number; // sectors
  descriptorSize: number; // sectors
  numGTEsPerGT: number;
  rgdOffset: number; // sectors
  gdOffset: number; // sectors; -1 = GD_AT_END
  overHead: number; // sectors
  uncleanShutdown: number;
  compressAlgorithm: number; // 0 none, 1 deflate
}

export const gdEntries = (h: SparseHeader) => Math.ceil(h.capacity / (h.numGTEsPerGT * h.grainSize));
export const gtSectors = (h: SparseHeader) => Math.ceil((h.numGTEsPerGT * 4) / SECTOR);
export const gdSectors = (h: SparseHeader) => Math.ceil((gdEntries(h) * 4) / SECTOR);

function u64(buf: Buffer, off: number, file: string, name: string): number {
  const v = buf.readBigUInt64LE(off);
  if (v === GD_AT_END && name === 'gdOffset') return -1;
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DiskError('too-large', file, `sparse header ${name} = ${v} is absurd`);
  return Number(v);
}

/** Decodes and sanity-checks a header against the size of the file that holds it. */
export function parseSparseHeader(buf: Buffer, file: string, fileSize: number): SparseHeader {
  if (buf.length < SECTOR) throw new DiskError('truncated', file, `file is ${buf.length} bytes, shorter than a sparse header`);
  if (buf.readUInt32LE(0) !== SPARSE_MAGIC) throw new DiskError('bad-magic', file, 'no "KDMV" sparse extent magic');
  const h: SparseHeader = {
    version: buf.readUInt32LE(4),
    flags: buf.readUInt32LE(8),
    capacity: u64(buf, 12, file, 'capacity'),
    grainSize: u64(buf, 20, file, 'grainSize'),
    descriptorOffset: u64(buf, 28, file, 'descriptorOffset'),
    descriptorSize: u64(buf, 36, file, 'descriptorSize'),
    numGTEsPerGT: buf.readUInt32LE(44),
    rgdOffset: u64(buf, 48, file, 'rgdOffset'),
    gdOffset: u64(buf, 56, file, 'gdOffset'),
    overHead: u64(buf, 64, file, 'overHead'),
    uncleanShutdown: buf[72],
    compressAlgorithm: buf.readUInt16LE(77),
  };
  validate(h, buf, file, fileSize);
  return h;
}

function validate(h: SparseHeader, buf: Buffer, file: string, fileSize: number): void {
  const bad = (code: 'corrupt' | 'too-large' | 'unsupported' | 'truncated', why: string): never => {
    throw new DiskError(code, file, why);
  };
  const fileSectors = Math.floor(fileSize / SECTOR);
  if (h.version < 1 || h.version > 3) bad('unsupported', `sparse header version ${h.version} (expected 1..3)`);
  if (h.flags & FLAG_NL_DETECT && NL_CHECK.some((b, i) => buf[73 + i] !== b)) {
    bad('corrupt', 'newline check bytes are mangled (file transferred in text mode?)');
  }
  if (h.capacity > MAX_DISK_SECTORS) bad('too-large', `capacity of ${h.capacity} sectors exceeds the ${MAX_DISK_SECTORS}-sector limit`);
  if (h.grainSize < 1 || h.grainSize > MAX_GRAIN_SECTORS || (h.grainSize & (h.grainSize - 1)) !== 0) {
    bad('corrupt', `grain size ${h.grainSize} sectors is not a power of two in 1..${MAX_GRAIN_SECTORS}`);
  }
  // qemu rejects more than 512 entries per grain table; VMware always writes 512.
  if (h.numGTEsPerGT < 1 || h.numGTEsPerGT > 512) bad('corrupt', `${h.numGTEsPerGT} entries per grain table (expected 1..512)`);
  if (h.compressAlgorithm > 1) bad('unsupported', `compression algorithm ${h.compressAlgorithm}`);
  if (h.flags & FLAG_COMPRESSED && h.compressAlgorithm !== 1) bad('corrupt', 'compressed flag without deflate algorithm');
  if (h.descriptorOffset + h.descriptorSize > fileSectors) bad('truncated', 'embedded descriptor lies beyond the end of the file');
  if (h.descriptorSize > 2048) bad('too-large', `embedded descriptor of ${h.descriptorSize} sectors`);
  if (h.capacity === 0) return; // descriptor-only file
  if (gdEntries(h) > MAX_GD_ENTRIES) bad('too-large', `grain directory would need ${gdEntries(h)} entries (limit ${MAX_GD_ENTRIES})`);
  if (h.gdOffset === -1) {
    if (!(h.flags & FLAG_COMPRESSED)) bad('corrupt', 'grain directory "at end" in an uncompressed extent');
    return; // the footer header carries the real offsets
  }
  const gds = gdSectors(h);
  if (h.gdOffset === 0 || h.gdOffset + gds > fileSectors) bad('truncated', `grain directory at sector ${h.gdOffset} lies beyond the end of the file`);
  if (h.flags & FLAG_RGD && (h.rgdOffset === 0 || h.rgdOffset + gds > fileSectors)) {
    bad('truncated', `redundant grain directory at sector ${h.rgdOffset} lies beyond the end of the file`);
  }
  if (h.overHead > fileSectors) bad('truncated', `overhead of ${h.overHead} sectors is larger than the file`);
}

export function serializeSparseHeader(h: SparseHeader): Buffer {
  const b = Buffer.alloc(SECTOR);
  b.writeUInt32LE(SPARSE_MAGIC, 0);
  b.writeUInt32LE(h.version, 4);
  b.writeUInt32LE(h.flags >>> 0, 8);
  b.writeBigUInt64LE(BigInt(h.capacity), 12);
  b.writeBigUInt64LE(BigInt(h.grainSize), 20);
  b.writeBigUInt64LE(BigInt(h.descriptorOffset), 28);
  b.writeBigUInt64LE(BigInt(h.descriptorSize), 36);
  b.writeUInt32LE(h.numGTEsPerGT, 44);
  b.writeBigUInt64LE(BigInt(h.rgdOffset), 48);
  b.writeBigUInt64LE(h.gdOffset === -1 ? GD_AT_END : BigInt(h.gdOffset), 56);
  b.writeBigUInt64LE(BigInt(h.overHead), 64);
  b[72] = h.uncleanShutdown;
  NL_CHECK.forEach((v, i) => (b[73 + i] = v));
  b.writeUInt16LE(h.compressAlgorithm, 77);
  return b;
}
