// One error type for snapshot operations. The message is one line for people: the file
// at fault, what is wrong with it, and what to do (bad input gets one line naming the thing and
// the remedy). `code` is for programs and tests.
import { DiskError } from '../vmdk/index';

export type SnapshotErrorCode =
  | 'running' // the VM (or one of its disks) is locked by a running VM host or VMware
  | 'bad-index' // NAME.vireo-snapshots is not JSON, truncated, or its values make no sense
  | 'newer-index' // the index has a format version this Vireo does not know
  | 'bad-vmsd' // VMware's NAME.vmsd cannot be read
  | 'disk' // a disk file of the chain is missing, outside the folder, damaged, or its CID chain broken
  | 'not-found' // no snapshot of that name
  | 'ambiguous' // several snapshots of that name
  | 'exists' // take: a snapshot of that name exists already
  | 'read-only' // the snapshot belongs to VMware's .vmsd: shown, reverted to, never changed
  | 'unsupported' // a VM this version cannot snapshot (raw disk, disk outside the folder…)
  | 'io'; // a write failed part-way; the message says what state the files are in

export class SnapshotError extends Error {
  readonly code: SnapshotErrorCode;
  readonly file: string;
  /** The message without the file name in front. */
  readonly detail: string;

  constructor(code: SnapshotErrorCode, file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'SnapshotError';
    this.code = code;
    this.file = file;
    this.detail = detail;
  }
}

/**
 * A disk problem met while following a chain, as one line with the remedy. `what` says
 * which disk of which state it is ("disk scsi0:0 of snapshot 'Clean'"); `otherwise` is the
 * way out when the file cannot be mended ("or delete snapshot 'Clean'").
 */
export function diskProblem(err: unknown, what: string, folder: string, otherwise?: string): SnapshotError {
  if (!(err instanceof DiskError)) {
    const e = err as NodeJS.ErrnoException;
    return new SnapshotError('io', e?.path ?? folder, `${what}: ${e?.message ?? String(err)}`);
  }
  const detail = err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
  let remedy: string;
  switch (err.code) {
    case 'missing-extent':
      remedy = `it was moved or deleted: put it back in the VM folder ${folder}`;
      break;
    case 'forbidden-path':
      remedy = `a disk and every parent it names must lie in the VM folder ${folder}: move the files into it`;
      break;
    case 'corrupt':
      remedy = /CID/.test(detail)
        ? 'the snapshot chain is broken (the parent was written after the delta was made): restore the parent from a backup'
        : 'the file is damaged: restore it from a backup (vireo disk check shows the details)';
      break;
    case 'truncated':
    case 'bad-magic':
    case 'bad-descriptor':
      remedy = 'the file is damaged or cut short: restore it from a backup (vireo disk check shows the details)';
      break;
    case 'too-large':
      remedy = 'the chain or file is beyond what Vireo opens';
      break;
    default:
      return new SnapshotError('disk', err.file, `${what}: ${detail}`);
  }
  return new SnapshotError('disk', err.file, `${what}: ${detail}: ${remedy}${otherwise ? `, ${otherwise}` : ''}`);
}
