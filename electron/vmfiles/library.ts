// The VM library on disk: folders holding VMware-style VM folders (`<root>/<name>/<name>.vmx`
// beside its disks, as Workstation lays them out), listed with a one-line summary each, and
// new VMs created the way Workstation's "New Virtual Machine" wizard writes them.
//
// Roots: `$VIREO_LIBRARY` or `~/Vireo` (made on the first create), then the folders named one
// per line in `<root>/.folders` (e.g. `~/vmware`, VMware's default folder on Linux), then
// folders given by the caller. Names starting with `.` are skipped while scanning: they are
// our create-in-progress folders and VMware's hidden files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDir } from './atomicWrite';
import { lockPathFor, pidAlive, readOwner } from './lock';
import { VmxDocument, readVmx, writeVmx } from './vmx';
import { resolveVmxPath, vmxToConfig } from './vmxConfig';
import { escapePercent } from './vmxEncoding';
import { DiskError, createSparseVmdk, openDisk } from './vmdk/index';

export const FOLDERS_FILE = '.folders';
/** `.folders` is a short hand-written list; anything bigger is not one. */
const MAX_FOLDERS_FILE_BYTES = 64 * 1024;
/** Same grace as lock.ts: a lock directory without an owner record this young is being taken. */
const CREATING_GRACE_MS = 10_000;

export function defaultRoot(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const fromEnv = env.VIREO_LIBRARY?.trim();
  return path.resolve(fromEnv ? expandHome(fromEnv, home) : path.join(home, 'Vireo'));
}

/** Library roots in order, duplicates (after resolving) removed. */
export function libraryRoots(extra: string[] = [], env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const root = defaultRoot(env, home);
  const all = [root, ...readFoldersFile(root, home), ...extra.map((f) => path.resolve(expandHome(f, home)))];
  return [...new Set(all)];
}

/** `<root>/.folders`: one folder per line, `#` comments, `~/` allowed, relative to root. */
export function readFoldersFile(root: string, home = os.homedir()): string[] {
  const file = path.join(root, FOLDERS_FILE);
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_FOLDERS_FILE_BYTES) throw new Error(`${file}: larger than ${MAX_FOLDERS_FILE_BYTES} bytes, not a folder list`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw code ? new Error(`${file}: cannot read the folder list (${code}): make it a text file, one folder per line`) : err;
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => path.resolve(root, expandHome(l, home)));
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

export interface VmDiskSummary {
  /** The .vmx device, e.g. `ide0:0`. */
  device: string;
  /** Host path; undefined when the fileName cannot be resolved here. */
  path?: string;
  /** Guest-visible bytes. */
  virtualSize?: number;
  /** Host bytes used by all of the disk's files. */
  allocatedSize?: number;
  error?: string;
}

export interface VmSummary {
  vmxPath: string;
  /** displayName, or the .vmx file name without `.vmx`. */
  name: string;
  guestOS?: string;
  memoryMiB?: number;
  cpus?: number;
  disks: VmDiskSummary[];
  state: 'running' | 'stopped';
  /** Who holds the `.vmx.lck` when running (`pid 123 since …`, `VMware (M…lck)`). */
  lockHolder?: string;
  /** Set when the .vmx cannot be read or understood; the message names file and line. */
  error?: string;
}

export interface LibraryListing {
  vms: VmSummary[];
  /** Folders that exist but cannot be read (a missing default root is simply empty). */
  folderErrors: Array<{ folder: string; error: string }>;
}

/** Finds `*.vmx` in each root and one level below it, and summarizes each. Never throws per VM. */
export function listVms(roots: string[]): LibraryListing {
  const vms: VmSummary[] = [];
  const folderErrors: LibraryListing['folderErrors'] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    let found: string[];
    try {
      found = findVmxFiles(root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      folderErrors.push({ folder: root, error: (err as Error).message });
      continue;
    }
    for (const vmx of found) {
      const key = realOr(vmx);
      if (seen.has(key)) continue; // overlapping roots
      seen.add(key);
      vms.push(summarizeVm(vmx));
    }
  }
  return { vms, folderErrors };
}

function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

const isVmxName = (name: string) => !name.startsWith('.') && name.toLowerCase().endsWith('.vmx');

/** `.vmx` files directly in `root` and in its immediate subfolders, sorted. Throws if root is unreadable. */
export function findVmxFiles(root: string): string[] {
  const out: string[] = [];
  const scan = (dir: string, depth: number) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
      if (ent.name.startsWith('.')) continue;
      const full = path.join(dir, ent.name);
      let st: fs.Stats;
      try {
        st = fs.statSync(full); // follows symlinks: a linked VM folder counts
      } catch {
        continue; // dangling link
      }
      if (st.isFile() && isVmxName(ent.name)) out.push(full);
      else if (st.isDirectory() && depth === 0 && !ent.name.toLowerCase().endsWith('.lck')) {
        try {
          scan(full, 1);
        } catch {
          // an unreadable VM folder is not a VM we can list
        }
      }
    }
  };
  scan(path.resolve(root), 0);
  return out.sort();
}

/** One VM's summary; problems go into `error` fields, never thrown. */
export function summarizeVm(vmxPath: string): VmSummary {
  const lock = lockState(vmxPath);
  const base: VmSummary = { vmxPath, name: path.basename(vmxPath).replace(/\.vmx$/i, ''), disks: [], ...lock };
  let doc: VmxDocument;
  let settings: ReturnType<typeof vmxToConfig>;
  try {
    doc = readVmx(vmxPath);
    settings = vmxToConfig(doc);
  } catch (err) {
    return { ...base, error: (err as Error).message };
  }
  const disks: VmDiskSummary[] = [];
  for (const d of settings.disks) {
    if (!d.present || d.kind !== 'disk' || d.fileName === undefined) continue;
    const device = `${d.bus}${d.controller}:${d.unit}`;
    disks.push(diskSummary(doc, device, d.fileName));
  }
  return {
    ...base,
    name: settings.displayName || base.name,
    guestOS: settings.guestOS,
    memoryMiB: settings.memsizeMiB,
    cpus: settings.numvcpus,
    disks,
  };
}

function diskSummary(doc: VmxDocument, device: string, fileName: string): VmDiskSummary {
  let file: string;
  try {
    file = resolveVmxPath(doc, fileName, `${device}.fileName`);
  } catch (err) {
    return { device, error: (err as Error).message };
  }
  try {
    // Read-only metadata: no disk lock is taken, so a running VM's disk can be listed too.
    // Extents and parents are confined to the disk's folder exactly as `vireo run` opens them.
    const image = openDisk(file, { readOnly: true });
    try {
      const info = image.info();
      return { device, path: file, virtualSize: info.virtualSize, allocatedSize: info.allocatedSize };
    } finally {
      image.close();
    }
  } catch (err) {
    return { device, path: file, error: (err as Error).message };
  }
}

/**
 * Running = `<vmx>.lck` is held: our owner record names a live pid on this host (or any pid
 * on another host, which we cannot check), VMware's own `M….lck` files are inside, or a lock
 * is being taken right now. A stale record (dead pid here) reads as stopped: the next run
 * breaks it. Mirrors lock.ts's breakIfStale judgement without changing anything.
 */
export function lockState(vmxPath: string): Pick<VmSummary, 'state' | 'lockHolder'> {
  const lockPath = lockPathFor(vmxPath);
  let entries: string[];
  try {
    entries = fs.readdirSync(lockPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'stopped' };
    if (code === 'ENOTDIR') return { state: 'running', lockHolder: 'another program (lock file)' };
    return { state: 'running', lockHolder: `unreadable lock ${lockPath}: ${code ?? (err as Error).message}` };
  }
  const foreign = entries.filter((e) => e !== 'vireo.lck' && !e.startsWith('.vireo.lck.'));
  if (foreign.length) return { state: 'running', lockHolder: `another program (VMware?): ${foreign.slice(0, 2).join(', ')}` };
  const owner = readOwner(lockPath);
  if (!owner) {
    let young = false;
    try {
      young = Date.now() - fs.statSync(lockPath).mtimeMs < CREATING_GRACE_MS;
    } catch {
      // released meanwhile
    }
    return young ? { state: 'running', lockHolder: 'starting' } : { state: 'stopped' };
  }
  if (owner.host !== os.hostname()) return { state: 'running', lockHolder: `pid ${owner.pid} on host ${owner.host} since ${owner.created}` };
  if (pidAlive(owner.pid)) return { state: 'running', lockHolder: `pid ${owner.pid} since ${owner.created}` };
  return { state: 'stopped' };
}

export interface CreateVmOptions {
  /** Library folder the VM folder goes into (made if missing). */
  root: string;
  /** Folder, .vmx, .vmdk and displayName. */
  name: string;
  memoryMiB: number;
  cpus: number;
  /** Whole MiB, e.g. 20 or 0.5. */
  diskGiB: number;
  /** VMware guest id, e.g. `other-64`, `ubuntu-64`, `windows9-64`. */
  guestOS: string;
  /** ISO image for the IDE secondary master (`ide1:0`), stored as an absolute path. */
  cdrom?: string;
}

/**
 * A createVm input that cannot be used. The message is `<field> <value> <why>`; `why` reads
 * on from the value and ends with the remedy, so a CLI can put its own option text in front.
 */
export class CreateVmError extends Error {
  readonly field: keyof CreateVmOptions;
  readonly why: string;

  constructor(field: keyof CreateVmOptions, value: string, why: string) {
    super(`${field} ${value} ${why}`);
    this.name = 'CreateVmError';
    this.field = field;
    this.why = why;
  }
}

/** Vireo runs at most 8 vCPUs (`vireo run --cpus`). */
export const MAX_CPUS = 8;
/** vmxToConfig's memsize limit (16 TiB). */
export const MAX_MEMORY_MIB = 16 * 1024 * 1024;
/** Leaves room in a 255-byte file name for `.<name>.creating-XXXXXXXX` and `<name>.vmdk.lck`. */
const MAX_NAME_BYTES = 200;
/** Letters, digits, space and a few safe marks; no `/ \ : " # |`, no leading `.` or `[`
 *  (hidden file; ESXi `[datastore]` path), no control characters. */
const NAME_RE = /^[\p{L}\p{N}][\p{L}\p{N} ._()+,@'-]*$/u;
const GUEST_OS_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Workstation 17.5's hardware version (17.0 wrote 20); older Workstations offer a downgrade. */
export const VIRTUAL_HW_VERSION = '21';

/** Why `name` cannot be a VM name (reads on from the name, ends with the remedy), or null. */
export function vmNameProblem(name: string): string | null {
  if (!NAME_RE.test(name) || /[ .]$/.test(name)) {
    return 'is not a usable VM name: use letters, digits, spaces and . _ - ( ) + , @ \' (start with a letter or digit, no trailing space or dot)';
  }
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `is longer than ${MAX_NAME_BYTES} bytes: use a shorter name`;
  return null;
}

function validate(o: CreateVmOptions): { diskBytes: number; cdrom?: string } {
  const nameProblem = vmNameProblem(o.name);
  if (nameProblem) throw new CreateVmError('name', JSON.stringify(o.name.slice(0, 80)), nameProblem);
  // VMware requires memsize in MB to be a multiple of 4; vireo run needs at least 16.
  if (!Number.isInteger(o.memoryMiB) || o.memoryMiB < 16 || o.memoryMiB > MAX_MEMORY_MIB || o.memoryMiB % 4) {
    throw new CreateVmError('memoryMiB', `${o.memoryMiB} MiB`, `is not usable: use a multiple of 4 MiB from 16M to ${MAX_MEMORY_MIB / 1024}G`);
  }
  if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > MAX_CPUS) {
    throw new CreateVmError('cpus', `${o.cpus}`, `is out of range: use 1 to ${MAX_CPUS}`);
  }
  const diskBytes = o.diskGiB * 2 ** 30;
  if (!Number.isSafeInteger(diskBytes) || diskBytes <= 0 || diskBytes % 2 ** 20) {
    throw new CreateVmError('diskGiB', `${o.diskGiB} GiB`, `is not usable: use a positive whole number of MiB, e.g. 512M or 20G`);
  }
  if (!GUEST_OS_RE.test(o.guestOS)) {
    throw new CreateVmError('guestOS', JSON.stringify(o.guestOS.slice(0, 80)), `is not a VMware guest id: use e.g. other-64, otherlinux-64 or ubuntu-64`);
  }
  if (o.cdrom === undefined) return { diskBytes };
  const cdrom = path.resolve(o.cdrom);
  let st: fs.Stats;
  try {
    st = fs.statSync(cdrom);
  } catch (err) {
    throw new CreateVmError('cdrom', cdrom, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give an existing ISO file`);
  }
  if (!st.isFile()) throw new CreateVmError('cdrom', cdrom, `is not a file: give an ISO image`);
  return { diskBytes, cdrom };
}

/** The .vmx Workstation writes for a new VM with one IDE disk and an optional ISO CD. */
export function newVmx(file: string, o: CreateVmOptions, cdrom?: string): VmxDocument {
  const doc = VmxDocument.empty(file); // `.encoding = "UTF-8"`
  doc.set('config.version', '8');
  doc.set('virtualHW.version', VIRTUAL_HW_VERSION);
  doc.set('virtualHW.productCompatibility', 'hosted');
  doc.set('displayName', escapePercent(o.name));
  doc.set('firmware', 'bios');
  doc.set('guestOS', o.guestOS);
  doc.set('numvcpus', String(o.cpus));
  doc.set('cpuid.coresPerSocket', '1');
  doc.set('memsize', String(o.memoryMiB));
  doc.set('ide0:0.present', 'TRUE');
  doc.set('ide0:0.fileName', `${o.name}.vmdk`);
  if (cdrom !== undefined) {
    doc.set('ide1:0.present', 'TRUE');
    doc.set('ide1:0.deviceType', 'cdrom-image');
    doc.set('ide1:0.fileName', cdrom);
    doc.set('ide1:0.startConnected', 'TRUE');
  }
  doc.set('floppy0.present', 'FALSE');
  // Workstation's "Synchronize guest time with host"; Vireo's Tools time sync is on for new VMs.
  doc.set('tools.syncTime', 'TRUE');
  return doc;
}

/**
 * Creates `<root>/<name>/<name>.vmx` and a monolithicSparse `<name>.vmdk` (IDE adapter).
 * Everything is written into `<root>/.<name>.creating-XXXXXXXX` and renamed into place at the
 * end, so a failure (or a crash, leaving only a hidden folder) never leaves a half VM.
 * Returns the .vmx path.
 */
export function createVm(o: CreateVmOptions): string {
  const { diskBytes, cdrom } = validate(o);
  const root = path.resolve(o.root);
  const target = path.join(root, o.name);
  const refuseExisting = () => {
    if (fs.existsSync(target) || isSymlink(target)) {
      throw new CreateVmError('name', JSON.stringify(o.name), `already exists (${target}): choose another name or remove that folder`);
    }
  };
  refuseExisting();
  fs.mkdirSync(root, { recursive: true });
  // mkdir (not mkdtemp, which makes 0700) so the VM folder gets the user's usual umask mode.
  const temp = path.join(root, `.${o.name}.creating-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(temp);
  try {
    const vmx = path.join(temp, `${o.name}.vmx`);
    writeVmx(vmx, newVmx(path.join(target, `${o.name}.vmx`), o, cdrom));
    try {
      createSparseVmdk(path.join(temp, `${o.name}.vmdk`), diskBytes, { subformat: 'monolithicSparse', adapterType: 'ide' });
    } catch (err) {
      if (err instanceof DiskError && (err.code === 'too-large' || err.code === 'out-of-range')) {
        // The message without the temp folder's file name, which the user never sees.
        const why = err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
        throw new CreateVmError('diskGiB', `${o.diskGiB} GiB`, `is not possible (${why}): use a smaller disk`);
      }
      throw err;
    }
    // rename(2) would silently replace an empty directory made meanwhile; check once more.
    refuseExisting();
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw err;
  }
  fsyncDir(root);
  return path.join(target, `${o.name}.vmx`);
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
