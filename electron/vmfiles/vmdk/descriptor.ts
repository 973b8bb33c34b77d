// VMDK text descriptor (docs/vmx-vmdk.md §4.3; qemu block/vmdk.c `vmdk_parse_extents`):
//
//   # Disk DescriptorFile
//   version=1
//   CID=fffffffe
//   parentCID=ffffffff
//   createType="monolithicSparse"
//   RW 41943040 SPARSE "disk.vmdk"
//   ddb.adapterType = "ide"
//
// Extent line: <access> <size in 512-B sectors> <type> ["<file>" [<offset in sectors>]].
import { DiskError } from './errors';

export type ExtentAccess = 'RW' | 'RDONLY' | 'NOACCESS';
export type ExtentType = 'SPARSE' | 'FLAT' | 'ZERO' | 'VMFS' | 'VMFSSPARSE' | 'VMFSRDM' | 'VMFSRAW' | 'SESPARSE';

export interface ExtentLine {
  access: ExtentAccess;
  sectors: number;
  type: ExtentType;
  file?: string;
  /** FLAT: start of the data inside `file`, in sectors. */
  offset: number;
}

export interface Descriptor {
  version: number;
  cid: number;
  parentCid: number;
  createType: string;
  parentFileNameHint?: string;
  extents: ExtentLine[];
  /** Other header keys (`encoding`, `isNativeSnapshot`…) in file order, values unquoted. */
  header: Array<[string, string]>;
  /** `ddb.*` keys in file order, values unquoted. */
  ddb: Array<[string, string]>;
}

export const NO_PARENT_CID = 0xffffffff;
/** A twoGbMaxExtent disk of 8 TiB has 4096 extents; more is not a real disk. */
export const MAX_EXTENTS = 4096;
/** Descriptors are a few hundred bytes; 4096 extent lines fit well within this. */
export const MAX_DESCRIPTOR_BYTES = 1024 * 1024;
/** 64 TiB: larger than any hosted VMDK (VMware's limit is 8 TiB). */
export const MAX_DISK_SECTORS = 2 ** 37;

export const CREATE_TYPES = [
  'monolithicSparse', 'monolithicFlat', 'twoGbMaxExtentSparse', 'twoGbMaxExtentFlat', 'streamOptimized',
  'vmfs', 'vmfsSparse', 'vmfsRaw', 'vmfsRawDeviceMap', 'vmfsPassthroughRawDeviceMap', 'seSparse',
  'fullDevice', 'partitionedDevice', 'custom',
];

const EXTENT_RE = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Z]+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?\s*$/;
const EXTENT_TYPES = new Set<string>(['SPARSE', 'FLAT', 'ZERO', 'VMFS', 'VMFSSPARSE', 'VMFSRDM', 'VMFSRAW', 'SESPARSE']);

/** True when `head` (the first bytes of a file) looks like a text descriptor. */
export function looksLikeDescriptor(head: Uint8Array): boolean {
  const text = Buffer.from(head).toString('latin1');
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    return /^version\s*=\s*\d+$/.test(line);
  }
  return false;
}

export function parseDescriptor(text: string, file: string): Descriptor {
  if (text.length > MAX_DESCRIPTOR_BYTES) {
    throw new DiskError('too-large', file, `descriptor is ${text.length} bytes (limit ${MAX_DESCRIPTOR_BYTES})`);
  }
  const d: Partial<Descriptor> & { extents: ExtentLine[]; header: Array<[string, string]>; ddb: Array<[string, string]> } =
    { extents: [], header: [], ddb: [] };
  const lines = text.replace(/\0+$/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\0/g, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const fail = (why: string): never => {
      const shown = line.length > 100 ? `${line.slice(0, 100)}…` : line;
      throw new DiskError('bad-descriptor', file, `descriptor line ${i + 1} ${JSON.stringify(shown)}: ${why}`);
    };
    const ext = EXTENT_RE.exec(line);
    if (ext) {
      if (d.extents.length >= MAX_EXTENTS) throw new DiskError('too-large', file, `descriptor lists more than ${MAX_EXTENTS} extents`);
      if (!EXTENT_TYPES.has(ext[3])) fail(`unknown extent type ${ext[3]}`);
      const sectors = Number(ext[2]);
      if (!Number.isSafeInteger(sectors) || sectors > MAX_DISK_SECTORS) fail(`extent size ${ext[2]} sectors is too large`);
      const offset = ext[5] === undefined ? 0 : Number(ext[5]);
      if (!Number.isSafeInteger(offset) || offset > 2 ** 43) fail(`extent offset ${ext[5]} is too large`);
      const type = ext[3] as ExtentType;
      if (type !== 'ZERO' && !ext[4]) fail(`${type} extent needs a file name`);
      if (ext[4]?.includes('\0')) fail('file name contains NUL');
      d.extents.push({ access: ext[1] as ExtentAccess, sectors, type, file: ext[4], offset });
      return;
    }
    const kv = /^([^\s="]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) fail('expected key=value or an extent line');
    const key = kv![1];
    const value = unquote(kv![2]);
    switch (key.toLowerCase()) {
      case 'version':
        d.version = /^\d+$/.test(value) ? Number(value) : fail('version must be a number');
        break;
      case 'cid':
        d.cid = /^[0-9a-fA-F]{1,8}$/.test(value) ? parseInt(value, 16) : fail('CID must be 8 hex digits');
        break;
      case 'parentcid':
        d.parentCid = /^[0-9a-fA-F]{1,8}$/.test(value) ? parseInt(value, 16) : fail('parentCID must be 8 hex digits');
        break;
      case 'createtype':
        d.createType = value;
        break;
      case 'parentfilenamehint':
        d.parentFileNameHint = value;
        break;
      default:
        if (key.toLowerCase().startsWith('ddb.')) d.ddb.push([key, value]);
        else d.header.push([key, value]);
    }
  });
  if (d.version === undefined) throw new DiskError('bad-descriptor', file, 'descriptor has no version= line');
  if (d.version < 1 || d.version > 3) throw new DiskError('unsupported', file, `descriptor version ${d.version} (expected 1..3)`);
  if (d.createType === undefined) throw new DiskError('bad-descriptor', file, 'descriptor has no createType');
  if (!CREATE_TYPES.includes(d.createType)) throw new DiskError('unsupported', file, `createType ${JSON.stringify(d.createType)}`);
  if (d.extents.length === 0) throw new DiskError('bad-descriptor', file, 'descriptor lists no extents');
  const total = d.extents.reduce((n, e) => n + e.sectors, 0);
  if (total > MAX_DISK_SECTORS) throw new DiskError('too-large', file, `extents add up to ${total} sectors (limit ${MAX_DISK_SECTORS})`);
  return { cid: 0xfffffffe, parentCid: NO_PARENT_CID, ...d } as Descriptor;
}

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** True when `name` can stand between the quotes of a descriptor line: not empty, no
 *  quote, no control character (a newline would start a line of its own). */
export function quotableName(name: string): boolean {
  if (name === '' || name.includes('"')) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** Writes the layout qemu and VMware use: header, extents, DDB. */
export function serializeDescriptor(d: Descriptor): string {
  const out = ['# Disk DescriptorFile', `version=${d.version}`];
  for (const [k, v] of d.header.filter(([k]) => k.toLowerCase() === 'encoding')) out.push(`${k}="${v}"`);
  out.push(`CID=${hex8(d.cid)}`, `parentCID=${hex8(d.parentCid)}`);
  for (const [k, v] of d.header.filter(([k]) => k.toLowerCase() !== 'encoding')) out.push(`${k}="${v}"`);
  out.push(`createType="${d.createType}"`);
  if (d.parentFileNameHint !== undefined) out.push(`parentFileNameHint="${d.parentFileNameHint}"`);
  out.push('', '# Extent description');
  for (const e of d.extents) {
    let line = `${e.access} ${e.sectors} ${e.type}`;
    if (e.file !== undefined) line += ` "${e.file}"`;
    if (e.type === 'FLAT') line += ` ${e.offset}`;
    out.push(line);
  }
  out.push('', '# The Disk Data Base', '#DDB', '');
  for (const [k, v] of d.ddb) out.push(`${k} = "${v}"`);
  return out.join('\n') + '\n';
}
