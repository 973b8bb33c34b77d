// openDisk(): detect the format by content (docs/vmx-vmdk.md §4.3 "Detect type by magic"):
//   "KDMV" → hosted sparse file (monolithicSparse / streamOptimized, descriptor embedded),
//   "COWD" → ESX vmfsSparse (unsupported),
//   text whose first real line is `version=N` → descriptor + extent files,
//   anything else → raw image.
// Opening only reads; a failure closes every file opened so far and writes nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomInt } from 'node:crypto';
import { writeFileAtomic } from '../atomicWrite';
import { DiskImage, DiskMeta, ExtentDisk } from './disk';
import { Descriptor, MAX_DESCRIPTOR_BYTES, NO_PARENT_CID, looksLikeDescriptor, parseDescriptor } from './descriptor';
import { DiskError, ioError } from './errors';
import { DiskProblem, Extent } from './extent';
import { FileIo } from './fileIo';
import { FlatExtent, ZeroExtent } from './flatExtent';
import { COWD_MAGIC, SECTOR, SPARSE_MAGIC } from './sparseHeader';
import { SparseExtent } from './sparseExtent';

export interface OpenOptions {
  readOnly?: boolean;
}

export function openDisk(file: string, opts: OpenOptions = {}): DiskImage {
  const readOnly = opts.readOnly ?? false;
  const io = FileIo.open(file, !readOnly);
  let owned = true;
  try {
    const head = io.readExact(0, Math.min(SECTOR, io.size), 'first sector');
    const magic = head.length >= 4 ? head.readUInt32LE(0) : 0;
    if (magic === SPARSE_MAGIC) {
      owned = false; // the extent owns io from here on
      return openMonolithicSparse(io, readOnly);
    }
    if (magic === COWD_MAGIC) throw new DiskError('unsupported', file, 'ESX vmfsSparse ("COWD") extents are not supported');
    if (looksLikeDescriptor(head)) {
      if (io.size > MAX_DESCRIPTOR_BYTES) throw new DiskError('too-large', file, `descriptor is ${io.size} bytes (limit ${MAX_DESCRIPTOR_BYTES})`);
      const text = io.readExact(0, io.size, 'descriptor').toString('utf8');
      io.close();
      owned = false;
      return openDescriptorDisk(file, text, readOnly);
    }
    owned = false;
    const raw = new FlatExtent(io, Math.ceil(io.size / SECTOR), 0, 'RAW');
    return new ExtentDisk(file, [raw], readOnly, { format: 'raw' });
  } finally {
    if (owned) io.close();
  }
}

function openMonolithicSparse(io: FileIo, readOnly: boolean): DiskImage {
  let extent: SparseExtent | undefined;
  try {
    extent = SparseExtent.open(io, readOnly);
    const h = extent.header;
    let desc: Descriptor | undefined;
    let text = '';
    if (h.descriptorOffset > 0 && h.descriptorSize > 0) {
      const raw = io.readExact(h.descriptorOffset * SECTOR, h.descriptorSize * SECTOR, 'embedded descriptor');
      const end = raw.indexOf(0);
      text = raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
      desc = parseDescriptor(text, io.path);
      refuseParent(desc, io.path);
    }
    const subformat = desc?.createType ?? (extent.compressed ? 'streamOptimized' : 'monolithicSparse');
    const ext = extent;
    const meta: DiskMeta = {
      format: 'vmdk',
      subformat,
      cid: desc?.cid,
      parentCid: desc?.parentCid,
      beforeFirstWrite: desc
        ? () => {
            // qemu vmdk_write_cid: rewrite the CID in the embedded descriptor, same length.
            const next = Buffer.from(withNewCid(text, desc!), 'utf8');
            if (next.length <= h.descriptorSize * SECTOR) {
              ext.io.write(next, h.descriptorOffset * SECTOR);
              meta.cid = desc!.cid;
            }
          }
        : undefined,
    };
    return new ExtentDisk(io.path, [extent], readOnly, meta);
  } catch (err) {
    if (extent) extent.close();
    else io.close();
    throw err;
  }
}

function openDescriptorDisk(file: string, text: string, readOnly: boolean): DiskImage {
  const desc = parseDescriptor(text, file);
  refuseParent(desc, file);
  if (desc.createType === 'monolithicSparse' || desc.createType === 'streamOptimized') {
    // These keep their descriptor inside the sparse file (qemu refuses them standalone).
    throw new DiskError('unsupported', file, `a standalone descriptor cannot have createType ${desc.createType}`);
  }
  const dir = path.dirname(file);
  const extents: Extent[] = [];
  const problems: DiskProblem[] = [];
  try {
    for (const line of desc.extents) {
      if (line.type === 'ZERO') {
        extents.push(new ZeroExtent(line.sectors, file));
        continue;
      }
      if (line.access === 'NOACCESS') throw new DiskError('unsupported', file, `extent "${line.file}" is NOACCESS`);
      const target = path.resolve(dir, line.file!);
      if (target === path.resolve(file)) throw new DiskError('corrupt', file, 'an extent names the descriptor file itself');
      const writable = !readOnly && line.access === 'RW';
      let io: FileIo;
      try {
        io = FileIo.open(target, writable);
      } catch (err) {
        const e = err instanceof DiskError ? err : ioError(target, err, 'open');
        if (e.code === 'missing-extent') throw new DiskError('missing-extent', target, `extent file named in ${file} does not exist`);
        throw e;
      }
      if (line.type === 'FLAT' || line.type === 'VMFS') {
        extents.push(new FlatExtent(io, line.sectors, line.offset));
      } else if (line.type === 'SPARSE') {
        let sparse: SparseExtent;
        try {
          sparse = SparseExtent.open(io, !writable, line.sectors);
        } catch (err) {
          io.close();
          throw err;
        }
        extents.push(sparse);
        if (sparse.header.capacity < line.sectors) {
          throw new DiskError('corrupt', target, `sparse extent holds ${sparse.header.capacity} sectors but ${file} says ${line.sectors}`);
        }
        if (sparse.header.capacity > line.sectors) {
          problems.push({ file: target, message: `sparse capacity ${sparse.header.capacity} exceeds the descriptor's ${line.sectors} sectors` });
        }
      } else {
        io.close();
        throw new DiskError('unsupported', file, `${line.type} extents are not supported`);
      }
    }
  } catch (err) {
    for (const e of extents) e.close();
    throw err;
  }
  const meta: DiskMeta = {
    format: 'vmdk',
    subformat: desc.createType,
    cid: desc.cid,
    parentCid: desc.parentCid,
    descriptorFile: file,
    descriptorBytes: () => fs.statSync(file).blocks * 512,
    problems,
    beforeFirstWrite: () => {
      writeFileAtomic(file, Buffer.from(withNewCid(text, desc), 'utf8'));
      meta.cid = desc.cid;
    },
  };
  return new ExtentDisk(file, extents, readOnly, meta);
}

/** Delta disks (snapshots) need their parent chain, which we do not follow. */
function refuseParent(desc: Descriptor, file: string): void {
  if (desc.parentCid !== NO_PARENT_CID || desc.parentFileNameHint) {
    throw new DiskError('unsupported', file, `delta disk with parent ${JSON.stringify(desc.parentFileNameHint ?? '?')} (snapshot chains are not supported)`);
  }
}

/** Bumps desc.cid and returns the text with only its CID= line changed. */
function withNewCid(text: string, desc: Descriptor): string {
  let cid: number;
  do cid = randomInt(0, 0xffffffff);
  while (cid === desc.cid || cid === NO_PARENT_CID);
  desc.cid = cid;
  const hex = cid.toString(16).padStart(8, '0');
  return /^\s*CID\s*=.*$/m.test(text) ? text.replace(/^(\s*CID\s*=\s*).*$/m, `$1${hex}`) : text.replace(/^(\s*version\s*=.*)$/m, `$1\nCID=${hex}`);
}
