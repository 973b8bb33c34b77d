// The largest byte offset this host can write in a file: the process's RLIMIT_FSIZE soft
// limit (/proc/self/limits, "Max file size"), the file system's own maximum where it is
// known, and Number.MAX_SAFE_INTEGER (byte offsets are JS numbers). A FLAT extent that ends
// past it is refused at open instead of failing guest writes with EFBIG one by one.
import * as fs from 'node:fs';

/** statfs f_type of ext2/3/4 (linux/magic.h EXT4_SUPER_MAGIC). */
const EXT4_MAGIC = 0xef53;

/** RLIMIT_FSIZE soft limit in bytes; Infinity when unlimited or unreadable. */
export function rlimitFsize(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return Infinity;
    }
  }
  const m = /^Max file size\s+(\S+)/m.exec(text);
  if (!m || m[1] === 'unlimited') return Infinity;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : Infinity;
}

/**
 * ext4 with extents: at most 2^32 - 1 blocks per file (linux fs/ext4/super.c
 * ext4_max_size), 16 TiB - 4 KiB with 4 KiB blocks. Other file systems here (xfs, btrfs,
 * tmpfs) allow 8 EiB, beyond what a JS number addresses exactly.
 */
export function fileSystemMaxBytes(file: string): number {
  try {
    const st = fs.statfsSync(file);
    if (st.type === EXT4_MAGIC) return (2 ** 32 - 1) * st.bsize;
  } catch {
    // unknown file system: no limit of its own
  }
  return Infinity;
}

export function hostFileSizeLimit(file: string): number {
  return Math.min(rlimitFsize(), fileSystemMaxBytes(file), Number.MAX_SAFE_INTEGER);
}
