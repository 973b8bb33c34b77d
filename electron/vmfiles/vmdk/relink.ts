// Re-pointing a delta disk at another parent (snapshot consolidation): only the
// `parentCID=` and `parentFileNameHint=` lines of its descriptor change, every other byte
// stays. A descriptor file is replaced atomically; a descriptor embedded in a sparse file
// (monolithicSparse, sector 1 onwards) is rewritten in place, as qemu's
// `vmdk_write_cid` (block/vmdk.c) rewrites the CID there.
import { writeFileAtomic } from '../atomicWrite';
import { MAX_DESCRIPTOR_BYTES, looksLikeDescriptor, parseDescriptor, quotableName } from './descriptor';
import { DiskError } from './errors';
import { FileIo } from './fileIo';
import { SECTOR, SPARSE_MAGIC, parseSparseHeader } from './sparseHeader';

export interface ParentLink {
  /** The new parent's CID. */
  cid: number;
  /** The new parent's file name, as the descriptor names it (beside this disk). */
  fileNameHint: string;
}

/** Points delta disk `file` (inside real folder `within`) at `parent`. */
export function setParentLink(file: string, parent: ParentLink, within: string): void {
  if (!quotableName(parent.fileNameHint)) throw new DiskError('out-of-range', file, `${JSON.stringify(parent.fileNameHint)} cannot be written into a descriptor`);
  const io = FileIo.open(file, true, { within, what: 'open delta disk' });
  try {
    const head = io.readExact(0, Math.min(SECTOR, io.size), 'first sector');
    if (head.length >= 4 && head.readUInt32LE(0) === SPARSE_MAGIC) {
      const h = parseSparseHeader(head, file, io.size);
      if (h.descriptorOffset === 0 || h.descriptorSize === 0) throw new DiskError('unsupported', file, 'sparse file without an embedded descriptor (it is an extent, not a disk)');
      const area = io.readExact(h.descriptorOffset * SECTOR, h.descriptorSize * SECTOR, 'embedded descriptor');
      const end = area.indexOf(0);
      const oldText = area.subarray(0, end < 0 ? area.length : end);
      const next = Buffer.from(relinked(oldText.toString('utf8'), parent, file), 'utf8');
      if (next.length > area.length) throw new DiskError('too-large', file, `the new descriptor (${next.length} bytes) does not fit in the ${area.length} bytes embedded for it`);
      // Zeros over what is left of the old text, so no stale line survives behind a NUL.
      const out = Buffer.alloc(Math.max(next.length, oldText.length));
      next.copy(out);
      io.write(out, h.descriptorOffset * SECTOR);
      io.sync();
      return;
    }
    if (!looksLikeDescriptor(head)) throw new DiskError('bad-magic', file, 'neither a sparse VMDK nor a VMDK descriptor');
    if (io.size > MAX_DESCRIPTOR_BYTES) throw new DiskError('too-large', file, `descriptor is ${io.size} bytes (limit ${MAX_DESCRIPTOR_BYTES})`);
    const text = io.readExact(0, io.size, 'descriptor').toString('utf8');
    writeFileAtomic(io.real, Buffer.from(relinked(text, parent, file), 'utf8'));
  } finally {
    io.close();
  }
}

/** `text` with its parent lines set (added after CID= / createType= when missing). */
function relinked(text: string, parent: ParentLink, file: string): string {
  const before = parseDescriptor(text, file);
  if (!before.parentFileNameHint) throw new DiskError('unsupported', file, 'is not a delta disk (no parentFileNameHint): it has no parent to change');
  const cid = parent.cid.toString(16).padStart(8, '0');
  let out = text;
  // Function replacers: a file name may contain `$&` and the like.
  out = /^[ \t]*parentCID[ \t]*=/im.test(out)
    ? out.replace(/^([ \t]*parentCID[ \t]*=[ \t]*)[^\r\n]*/im, (_m, key: string) => `${key}${cid}`)
    : out.replace(/^[ \t]*CID[ \t]*=[^\r\n]*/im, (line: string) => `${line}\nparentCID=${cid}`);
  // [^\r\n]: a CRLF descriptor keeps its CR.
  out = out.replace(/^([ \t]*parentFileNameHint[ \t]*=[ \t]*)[^\r\n]*/im, (_m, key: string) => `${key}"${parent.fileNameHint}"`);
  const after = parseDescriptor(out, file);
  if (after.parentCid !== parent.cid || after.parentFileNameHint !== parent.fileNameHint) {
    throw new DiskError('bad-descriptor', file, 'cannot rewrite its parentCID and parentFileNameHint lines');
  }
  return out;
}
