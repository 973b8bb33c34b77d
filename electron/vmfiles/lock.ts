// VMware-style lock for a running VM (`vm.vmx.lck`) or an open disk (`disk.vmdk.lck`):
// a directory beside the file, created with mkdir(2) (atomic and exclusive), holding our
// owner record `vireo.lck` = {"pid", "host", "created"}. VMware's own locks are directories
// of the same name with M<id>.lck files inside; we honour them as held.
//
// A lock is stale when it was made on this host by a pid that no longer exists
// (kill(pid, 0) → ESRCH). Stale locks are broken; live or foreign ones give LockedError.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO 8601 time the lock was taken. */
  created: string;
}

const OWNER_FILE = 'vireo.lck';
/** A lock directory without an owner record younger than this is being created right now. */
const CREATING_GRACE_MS = 10_000;

export class LockedError extends Error {
  readonly code = 'locked';
  readonly lockPath: string;
  /** Null when the lock is not ours to read (VMware's, or one still being created). */
  readonly owner: LockOwner | null;

  constructor(lockPath: string, owner: LockOwner | null, why: string) {
    super(`${lockPath}: ${why}`);
    this.name = 'LockedError';
    this.lockPath = lockPath;
    this.owner = owner;
  }
}

export class FileLock {
  readonly lockPath: string;
  readonly owner: LockOwner;
  private held = true;

  constructor(lockPath: string, owner: LockOwner) {
    this.lockPath = lockPath;
    this.owner = owner;
  }

  /** Removes the lock if it is still ours. Idempotent. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const cur = readOwner(this.lockPath);
    if (!cur || cur.pid !== this.owner.pid || cur.created !== this.owner.created || cur.host !== this.owner.host) return;
    fs.rmSync(path.join(this.lockPath, OWNER_FILE), { force: true });
    try {
      fs.rmdirSync(this.lockPath);
    } catch {
      // Someone else put files in it (VMware); leave the directory to them.
    }
  }
}

export const lockPathFor = (file: string) => `${file}.lck`;

/** Takes the lock for `file` (a .vmx or a disk), breaking a stale one. */
export function acquireLock(file: string): FileLock {
  const lockPath = lockPathFor(file);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.mkdirSync(lockPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      breakIfStale(lockPath);
      continue;
    }
    const owner: LockOwner = { pid: process.pid, host: os.hostname(), created: new Date().toISOString() };
    // Write-then-rename so readers never see a half-written record.
    const tmp = path.join(lockPath, `.${OWNER_FILE}.${randomBytes(4).toString('hex')}`);
    fs.writeFileSync(tmp, JSON.stringify(owner));
    fs.renameSync(tmp, path.join(lockPath, OWNER_FILE));
    return new FileLock(lockPath, owner);
  }
  throw new LockedError(lockPath, readOwner(lockPath), 'lock keeps reappearing; another process is racing for it');
}

/** The current owner record, or null if there is none or it is unreadable. */
export function readOwner(lockPath: string): LockOwner | null {
  try {
    const o = JSON.parse(readSmallFile(path.join(lockPath, OWNER_FILE))) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.host === 'string' && typeof o.created === 'string') {
      return { pid: o.pid, host: o.host, created: o.created };
    }
  } catch {
    // missing or garbled: handled by the caller
  }
  return null;
}

/** Owner records are ~100 bytes; a lock directory comes with a VM folder from anywhere,
 *  so only a regular file is read (a FIFO would block, /dev/zero never end), and at most
 *  MAX_OWNER_BYTES of it. */
const MAX_OWNER_BYTES = 4096;

function readSmallFile(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file`);
    const buf = Buffer.alloc(MAX_OWNER_BYTES);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Throws LockedError unless the lock at lockPath is provably dead; then removes it. */
function breakIfStale(lockPath: string): void {
  const owner = readOwner(lockPath);
  let entries: string[];
  try {
    entries = fs.readdirSync(lockPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // released meanwhile: retry
    if (code === 'ENOTDIR') throw new LockedError(lockPath, null, 'a lock file (not our directory form) exists; another program holds it');
    throw err;
  }
  const foreign = entries.filter((e) => e !== OWNER_FILE && !e.startsWith(`.${OWNER_FILE}.`));
  if (foreign.length > 0) throw new LockedError(lockPath, owner, `locked by another program (VMware?): ${foreign.slice(0, 3).join(', ')}`);
  if (!owner) {
    const age = Date.now() - fs.statSync(lockPath).mtimeMs;
    if (age < CREATING_GRACE_MS) throw new LockedError(lockPath, null, 'lock is being created by another process');
  } else if (owner.host !== os.hostname()) {
    throw new LockedError(lockPath, owner, `locked by pid ${owner.pid} on host ${owner.host} since ${owner.created}`);
  } else if (pidAlive(owner.pid)) {
    const who = owner.pid === process.pid ? 'this process' : `running process ${owner.pid}`;
    throw new LockedError(lockPath, owner, `in use by ${who} since ${owner.created}`);
  }
  // Stale. Move it aside first so that two breakers cannot both delete a fresh lock, then
  // check it is still the record we judged (a new owner may have replaced it in between).
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readOwner(aside);
  if (JSON.stringify(moved) !== JSON.stringify(owner)) {
    try {
      fs.renameSync(aside, lockPath); // not the stale one: give it back
    } catch {
      // The path was taken again in this window; the record we moved stays at `aside`.
      // This needs three processes racing within microseconds; we report it as locked.
    }
    throw new LockedError(lockPath, moved, 'lock changed hands while checking it');
  }
  fs.rmSync(aside, { recursive: true, force: true });
}
