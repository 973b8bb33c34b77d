// Positional file I/O with sizes checked: every read of metadata either returns the
// full length asked for or throws a DiskError('truncated') naming the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiskError, ioError } from './errors';

export interface OpenFileOptions {
  /** Words for the error when the open itself fails ("cannot open", "open"…). */
  what?: string;
  /** The file must resolve (symlinks followed) inside this real directory. */
  within?: string;
  /** Who named the file (the descriptor), for forbidden-path errors; default the file. */
  namedBy?: string;
}

/** True when real path `p` is `dir` itself or lies below it. Both must be real paths. */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** Real path of `p`; a missing file is 'missing-extent', anything else 'io'. */
export function realPath(p: string, what = 'cannot resolve'): string {
  try {
    return fs.realpathSync(p);
  } catch (err) {
    throw ioError(p, err, what);
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a plain file';
}

export class FileIo {
  readonly path: string;
  /** The path with every symlink resolved, as it was when the file was opened. */
  readonly real: string;
  /** st_dev:st_ino of the open file: identity for loop and self-reference checks. */
  readonly identity: string;
  readonly writable: boolean;
  private fd: number;
  /** Current length in bytes; grows as sparse extents append grains. */
  size: number;

  private constructor(path: string, real: string, fd: number, st: fs.Stats, writable: boolean) {
    this.path = path;
    this.real = real;
    this.identity = `${st.dev}:${st.ino}`;
    this.fd = fd;
    this.size = st.size;
    this.writable = writable;
  }

  /**
   * Opens a disk file named by the user or by a VM file, which may be hostile:
   *  1. realpath (symlinks followed) and, with `within`, a check that it lies inside;
   *  2. lstat of that real path: only regular files, so no device, FIFO, socket or
   *     directory is ever opened (opening some devices has effects of its own);
   *  3. open of the real path with O_NOFOLLOW and O_NONBLOCK, then fstat: still a regular
   *     file with the st_dev/st_ino checked in 2, and /proc/self/fd names a path still
   *     inside `within`. A file or directory swapped between the check and the open is
   *     refused, not opened.
   */
  static open(file: string, writable: boolean, opts: OpenFileOptions = {}): FileIo {
    const what = opts.what ?? 'cannot open';
    const real = realPath(file, what);
    const outside = () => new DiskError('forbidden-path', opts.namedBy ?? file, `names ${file}, which is outside ${opts.within}`);
    if (opts.within !== undefined && !isInside(opts.within, real)) throw outside();
    let before: fs.Stats;
    try {
      before = fs.lstatSync(real);
    } catch (err) {
      throw ioError(file, err, what);
    }
    if (!before.isFile()) throw new DiskError('unsupported', file, `not a regular file (${kindOf(before)})`);
    const changed = () => new DiskError('forbidden-path', file, 'changed while it was opened (replaced or re-linked); not opened');
    let fd: number;
    try {
      const { O_RDWR, O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;
      fd = fs.openSync(real, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw changed();
      throw ioError(file, err, what);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new DiskError('unsupported', file, `not a regular file (${kindOf(st)})`);
      if (st.dev !== before.dev || st.ino !== before.ino) throw changed();
      if (opts.within !== undefined) {
        let now: string | undefined;
        try {
          now = fs.readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          now = undefined; // no procfs: the inode comparison above stands alone
        }
        if (now !== undefined && !isInside(opts.within, now)) throw outside();
      }
      return new FileIo(file, real, fd, st, writable);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** Reads exactly `len` bytes at `pos`, or throws 'truncated' describing `what`. */
  readExact(pos: number, len: number, what: string): Buffer {
    const buf = Buffer.alloc(len);
    this.readInto(buf, pos, what);
    return buf;
  }

  readInto(buf: Uint8Array, pos: number, what: string): void {
    if (pos + buf.length > this.size) {
      throw new DiskError('truncated', this.path, `${what} at byte ${pos} (+${buf.length}) lies beyond the end of the file (${this.size} bytes)`);
    }
    let done = 0;
    try {
      while (done < buf.length) {
        const n = fs.readSync(this.fd, buf, done, buf.length - done, pos + done);
        if (n === 0) throw new DiskError('truncated', this.path, `${what}: unexpected end of file at byte ${pos + done}`);
        done += n;
      }
    } catch (err) {
      if (err instanceof DiskError) throw err;
      throw ioError(this.path, err, `reading ${what}`);
    }
  }

  /** Reads what exists at `pos` (short near EOF); the rest of `buf` is zero-filled. */
  readPadded(buf: Uint8Array, pos: number): void {
    const avail = Math.max(0, Math.min(buf.length, this.size - pos));
    buf.fill(0, avail);
    if (avail > 0) this.readInto(buf.subarray(0, avail), pos, 'data');
  }

  write(buf: Uint8Array, pos: number): void {
    if (!this.writable) throw new DiskError('read-only', this.path, 'opened read-only');
    let done = 0;
    try {
      while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done, pos + done);
    } catch (err) {
      throw ioError(this.path, err, 'write');
    }
    if (pos + buf.length > this.size) this.size = pos + buf.length;
  }

  truncate(len: number): void {
    fs.ftruncateSync(this.fd, len);
    this.size = len;
  }

  sync(): void {
    if (!this.writable) return;
    try {
      fs.fsyncSync(this.fd);
    } catch (err) {
      throw ioError(this.path, err, 'flush');
    }
  }

  /** Bytes actually allocated on the host filesystem (like `qemu-img info` "disk size"). */
  allocatedBytes(): number {
    return fs.fstatSync(this.fd).blocks * 512;
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}
