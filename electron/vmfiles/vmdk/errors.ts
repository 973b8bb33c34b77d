// One error type for disk images. `file` names the file at fault (an extent, not just the
// descriptor, when the extent is the problem); `code` is for programs, the message for people.
// Mapping to electron/common/errors.ts: io → 'io'; read-only, out-of-range, exists and
// forbidden-path → 'invalid-argument'; everything else → 'image-format'.

export type DiskErrorCode =
  | 'bad-magic' // not the format the header/descriptor says it is
  | 'bad-descriptor' // text descriptor syntax or values
  | 'truncated' // a structure extends past the end of its file
  | 'corrupt' // inconsistent metadata (pointer beyond EOF, bad marker, bad newline bytes…)
  | 'too-large' // sizes beyond what we are willing to allocate memory for
  | 'unsupported' // a valid variant we do not implement (COWD, seSparse, parent chains…)
  | 'missing-extent' // an extent file named by the descriptor does not exist
  | 'read-only' // write to a read-only image or to a read-only format
  | 'out-of-range' // I/O beyond the virtual disk size
  | 'exists' // create() target already exists
  | 'forbidden-path' // an extent or parent outside its descriptor's folder; a disk outside OpenOptions.within
  | 'io';

export class DiskError extends Error {
  readonly code: DiskErrorCode;
  readonly file: string;
  /** For code 'io': the host's errno name (ENOSPC, EIO, …), when the OS gave one. */
  readonly errno?: string;

  constructor(code: DiskErrorCode, file: string, message: string, errno?: string) {
    super(`${file}: ${message}`);
    this.name = 'DiskError';
    this.code = code;
    this.file = file;
    this.errno = errno;
  }
}

/** Wraps a Node fs error (ENOENT, EACCES, EIO…) with the file name. */
export function ioError(file: string, err: unknown, what: string): DiskError {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return new DiskError('missing-extent', file, `${what}: file does not exist`);
  return new DiskError('io', file, `${what}: ${e?.message ?? String(err)}`, e?.code);
}
