// Positional file I/O with sizes checked: every read of metadata either returns the
// full length asked for or throws a DiskError('truncated') naming the file.
import * as fs from 'node:fs';
import { DiskError, ioError } from './errors';

export class FileIo {
  readonly path: string;
  readonly writable: boolean;
  private fd: number;
  /** Current length in bytes; grows as sparse extents append grains. */
  size: number;

  private constructor(path: string, fd: number, size: number, writable: boolean) {
    this.path = path;
    this.fd = fd;
    this.size = size;
    this.writable = writable;
  }

  static open(path: string, writable: boolean, what = 'cannot open'): FileIo {
    let fd: number;
    try {
      // O_NONBLOCK: a descriptor naming a FIFO must not hang the open; fstat rejects it below.
      const { O_RDWR, O_RDONLY, O_NONBLOCK } = fs.constants;
      fd = fs.openSync(path, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK);
    } catch (err) {
      throw ioError(path, err, what);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new DiskError('unsupported', path, 'not a regular file');
      return new FileIo(path, fd, st.size, writable);
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
    if (this.writable) fs.fsyncSync(this.fd);
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
