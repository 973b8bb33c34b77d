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
import { FileIo, type OpenFileOptions, realPath } from './fileIo';
import { hostFileSizeLimit } from './fileSizeLimit';
import { FlatExtent, ZeroExtent } from './flatExtent';
import { GtCache } from './gtCache';
import { COWD_MAGIC, MAX_GD_ENTRIES, SECTOR, SPARSE_MAGIC } from './sparseHeader';
import { SparseExtent } from './sparseExtent';

export interface OpenOptions {
  readOnly?: boolean;
  /**
   * The image file itself must resolve (symlinks followed) inside this directory: the VM
   * folder, unless the user allowed disks outside it. Extents and parents named by a
   * descriptor are always confined to the descriptor's own folder, option or not: a
   * descriptor is data from a VM folder, and `RW 8 FLAT "/home/me/.ssh/id_ed25519" 0`
   * would otherwise show that file to the guest.
   */
  within?: string;
  /**
   * Writes leave the disk's CID as it is. Only for consolidating snapshots
   * (vmfiles/snapshot/consolidate.ts): grains move between the files of a chain while
   * every child's view stays the same, and the children's parentCID must stay valid.
   */
  keepCid?: boolean;
}

interface OpenContext {
  /** st_dev:st_ino of the children above the file being opened (loop and depth guard). */
  chain: string[];
  /** OpenOptions.keepCid, for the file being opened (parents are read-only anyway). */
  keepCid: boolean;
}

/** Snapshot chains deeper than this are refused (VMware allows 32 snapshots per disk). */
export const MAX_CHAIN_DEPTH = 32;

export function openDisk(file: string, opts: OpenOptions = {}): DiskImage {
  const within = opts.within === undefined ? undefined : realPath(opts.within, 'VM folder');
  return openChained(file, opts.readOnly ?? false, { chain: [], keepCid: opts.keepCid ?? false }, { within });
}

/** The real folder of a descriptor: where its extents and parent must be. */
const folderOf = (file: string) => realPath(path.dirname(path.resolve(file)), 'descriptor folder');

function openChained(file: string, readOnly: boolean, ctx: OpenContext, fileOpts: OpenFileOptions): DiskImage {
  const io = FileIo.open(file, !readOnly, fileOpts);
  let owned = true;
  try {
    if (ctx.chain.includes(io.identity)) throw new DiskError('corrupt', fileOpts.namedBy ?? file, `snapshot chain loops back to ${file}`);
    const head = io.readExact(0, Math.min(SECTOR, io.size), 'first sector');
    const magic = head.length >= 4 ? head.readUInt32LE(0) : 0;
    if (magic === SPARSE_MAGIC) {
      owned = false; // the extent owns io from here on
      return openMonolithicSparse(io, readOnly, ctx);
    }
    if (magic === COWD_MAGIC) throw new DiskError('unsupported', file, 'ESX vmfsSparse ("COWD") extents are not supported');
    if (looksLikeDescriptor(head)) {
      if (io.size > MAX_DESCRIPTOR_BYTES) throw new DiskError('too-large', file, `descriptor is ${io.size} bytes (limit ${MAX_DESCRIPTOR_BYTES})`);
      const text = io.readExact(0, io.size, 'descriptor').toString('utf8');
      io.close();
      owned = false;
      return openDescriptorDisk(file, io.identity, text, readOnly, ctx);
    }
    owned = false;
    const raw = new FlatExtent(io, Math.ceil(io.size / SECTOR), 0, 'RAW');
    return new ExtentDisk(file, [raw], readOnly, { format: 'raw' });
  } finally {
    if (owned) io.close();
  }
}

function openMonolithicSparse(io: FileIo, readOnly: boolean, ctx: OpenContext): DiskImage {
  let extent: SparseExtent | undefined;
  let parent: DiskImage | null = null;
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
      parent = openParent(desc, io.path, io.identity, ctx);
      extent.attachParent(parent, 0);
    }
    const subformat = desc?.createType ?? (extent.compressed ? 'streamOptimized' : 'monolithicSparse');
    const ext = extent;
    const meta: DiskMeta = {
      format: 'vmdk',
      subformat,
      cid: desc?.cid,
      parentCid: desc?.parentCid,
      parent: parent ?? undefined,
      ddb: desc?.ddb,
      beforeFirstWrite: desc && !ctx.keepCid
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
    parent?.close();
    if (extent) extent.close();
    else io.close();
    throw err;
  }
}

function openDescriptorDisk(file: string, identity: string, text: string, readOnly: boolean, ctx: OpenContext): DiskImage {
  const desc = parseDescriptor(text, file);
  if (desc.createType === 'monolithicSparse' || desc.createType === 'streamOptimized') {
    // These keep their descriptor inside the sparse file (qemu refuses them standalone).
    throw new DiskError('unsupported', file, `a standalone descriptor cannot have createType ${desc.createType}`);
  }
  const dir = path.dirname(file);
  const folder = folderOf(file);
  const extents: Extent[] = [];
  const problems: DiskProblem[] = [];
  let parent: DiskImage | null = null;
  const cache = new GtCache();
  let gdEntries = 0;
  try {
    parent = openParent(desc, file, identity, ctx);
    let base = 0;
    for (const line of desc.extents) {
      base += line.sectors * SECTOR;
      if (line.type === 'ZERO') {
        extents.push(new ZeroExtent(line.sectors, file));
        continue;
      }
      if (line.access === 'NOACCESS') throw new DiskError('unsupported', file, `extent "${line.file}" is NOACCESS`);
      const target = path.resolve(dir, line.file!);
      const writable = !readOnly && line.access === 'RW';
      let io: FileIo;
      try {
        io = FileIo.open(target, writable, { what: 'open', within: folder, namedBy: file });
      } catch (err) {
        const e = err instanceof DiskError ? err : ioError(target, err, 'open');
        if (e.code === 'missing-extent') throw new DiskError('missing-extent', target, `extent file named in ${file} does not exist`);
        throw e;
      }
      if (io.identity === identity || ctx.chain.includes(io.identity)) {
        io.close();
        throw new DiskError('corrupt', file, `extent ${JSON.stringify(line.file)} names the descriptor file itself${io.identity === identity ? '' : ' (of a disk in this chain)'}`);
      }
      if (line.type === 'FLAT' || line.type === 'VMFS') {
        const end = (line.offset + line.sectors) * SECTOR;
        const limit = hostFileSizeLimit(io.real);
        if (end > limit) {
          io.close();
          throw new DiskError('too-large', file, `FLAT extent ${line.file} ends at byte ${end}, past this host's file-size limit of ${limit} bytes`);
        }
      }
      if (line.type === 'FLAT' || line.type === 'VMFS') {
        extents.push(new FlatExtent(io, line.sectors, line.offset));
      } else if (line.type === 'SPARSE') {
        let sparse: SparseExtent;
        try {
          sparse = SparseExtent.open(io, !writable, line.sectors, cache);
        } catch (err) {
          io.close();
          throw err;
        }
        extents.push(sparse);
        sparse.attachParent(parent, base - line.sectors * SECTOR);
        // Each extent's GD is capped; this caps their sum (GD + RGD in memory).
        gdEntries += sparse.gd.length;
        if (gdEntries > MAX_GD_ENTRIES) throw new DiskError('too-large', file, `grain directories of all extents exceed ${MAX_GD_ENTRIES} entries`);
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
    parent?.close();
    throw err;
  }
  const meta: DiskMeta = {
    format: 'vmdk',
    subformat: desc.createType,
    cid: desc.cid,
    parentCid: desc.parentCid,
    parent: parent ?? undefined,
    descriptorFile: file,
    ddb: desc.ddb,
    descriptorBytes: () => fs.statSync(file).blocks * 512,
    problems,
    beforeFirstWrite: ctx.keepCid
      ? undefined
      : () => {
          writeFileAtomic(file, Buffer.from(withNewCid(text, desc), 'utf8'));
          meta.cid = desc.cid;
        },
  };
  return new ExtentDisk(file, extents, readOnly, meta);
}

/**
 * Delta disks (VMware snapshots, `vm-000001.vmdk`) read unallocated grains from the disk
 * named by parentFileNameHint. The parent opens read-only and must still carry the CID the
 * child recorded as parentCID (qemu `vmdk_is_cid_valid`): otherwise the parent was written
 * after the snapshot and the child's view of it is gone.
 */
function openParent(desc: Descriptor, file: string, self: string, ctx: OpenContext): DiskImage | null {
  const chain = ctx.chain;
  if (desc.parentCid === NO_PARENT_CID && !desc.parentFileNameHint) return null;
  if (!desc.parentFileNameHint) throw new DiskError('corrupt', file, `parentCID is ${desc.parentCid.toString(16)} but no parentFileNameHint names the parent`);
  if (chain.length >= MAX_CHAIN_DEPTH) throw new DiskError('too-large', file, `snapshot chain deeper than ${MAX_CHAIN_DEPTH}`);
  let target = path.resolve(path.dirname(file), desc.parentFileNameHint);
  // Hints written on Windows hosts may be absolute `C:\VMs\base.vmdk`; try the folder we are in.
  if (!fs.existsSync(target) && /[\\]/.test(desc.parentFileNameHint)) {
    target = path.join(path.dirname(file), desc.parentFileNameHint.split(/[\\]/).pop()!);
  }
  if (!fs.existsSync(target)) throw new DiskError('missing-extent', target, `parent disk named in ${file} does not exist`);
  // The parent, like an extent, must be in this disk's own folder (real paths compared).
  const parent = openChained(target, true, { chain: [...chain, self], keepCid: false }, { within: folderOf(file), namedBy: file, what: 'open parent' });
  const cid = parent.info().cid;
  if (cid !== undefined && parseInt(cid, 16) !== desc.parentCid) {
    parent.close();
    throw new DiskError('corrupt', file, `parent ${target} has CID ${cid} but this disk expects ${desc.parentCid.toString(16).padStart(8, '0')} (parent changed after the snapshot)`);
  }
  return parent;
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
