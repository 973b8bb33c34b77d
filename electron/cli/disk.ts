// `vireo disk info|check|create`: the disk tool (qemu-img style output).
import { DiskError, createSparseVmdk, formatCheck, formatDiskInfo, openDisk, type DiskImage, type SparseSubformat } from '../vmfiles/vmdk/index';
import { UsageError } from './args';

export const DISK_USAGE = `usage: vireo disk info FILE
       vireo disk check FILE
       vireo disk create FILE SIZE [--subformat monolithicSparse|twoGbMaxExtentSparse]`;

/** "20G", "512M", "1T" or bytes -> bytes. */
export function parseDiskSize(text: string): number {
  const m = /^(\d+)([KMGT]?)$/i.exec(text);
  if (!m) throw new UsageError(`disk size ${text} is not a size: use e.g. 20G`);
  const shift = { '': 0, K: 10, M: 20, G: 30, T: 40 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const bytes = Number(m[1]) * 2 ** shift;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError(`disk size ${text} is out of range`);
  return bytes;
}

/** Returns the exit status: 0 ok, 1 problems found (check), errors throw. */
export function diskCommand(argv: string[], out: (s: string) => void): number {
  const [sub, file, ...rest] = argv;
  if (!sub || !file) throw new UsageError(DISK_USAGE);
  switch (sub) {
    case 'info': {
      const d = openDisk(file, { readOnly: true });
      try {
        out(formatDiskInfo(d.info(), file));
      } finally {
        d.close();
      }
      return 0;
    }
    case 'check': {
      let d: DiskImage;
      try {
        d = openDisk(file, { readOnly: true });
      } catch (err) {
        // What makes the image unopenable (a crafted extent, corrupt metadata) is what
        // check is asked to find: report it as qemu-img check would, exit 1. A FILE that is
        // not there or not readable is a usage problem (exit 2).
        if (!(err instanceof DiskError) || err.code === 'io' || (err.code === 'missing-extent' && err.file === file)) throw err;
        const message = err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
        out(formatCheck([{ file: err.file, message }], file));
        return 1;
      }
      try {
        const problems = d.check();
        out(formatCheck(problems, file));
        return problems.length ? 1 : 0;
      } finally {
        d.close();
      }
    }
    case 'create': {
      const [size, flag, value] = rest;
      if (!size) throw new UsageError(DISK_USAGE);
      let subformat: SparseSubformat = 'monolithicSparse';
      if (flag === '--subformat') {
        if (value !== 'monolithicSparse' && value !== 'twoGbMaxExtentSparse')
          throw new UsageError(`--subformat ${value ?? ''} is not supported: use monolithicSparse or twoGbMaxExtentSparse`);
        subformat = value;
      } else if (flag !== undefined) {
        throw new UsageError(`unknown option ${flag}: ${DISK_USAGE}`);
      }
      const files = createSparseVmdk(file, parseDiskSize(size), { subformat });
      out(`Formatting '${file}', fmt=vmdk size=${parseDiskSize(size)} subformat=${subformat} (${files.length} file${files.length > 1 ? 's' : ''})\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown disk command ${sub}: ${DISK_USAGE}`);
  }
}
