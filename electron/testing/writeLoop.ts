// The write pattern of native/guests/disk_writeloop.c, for the kill -9 fault tests: write
// n goes to sector (n * STRIDE) mod SECTORS and holds record(n). verifyWriteLoop() checks
// that every write before the last completed FLUSH is on the image.
import { expect } from 'vitest';
import { openDisk } from '../vmfiles/vmdk/index';

export const WL_SECTORS = 131072; // 64 MiB: a power of two, as the guest requires
export const WL_STRIDE = 897;
export const WL_BATCH = 16;
export const WL_MAGIC = 0x504f4c57; // "WLOP"
export const wlLba = (n: number) => (n * WL_STRIDE) % WL_SECTORS;

export function wlRecord(n: number): Buffer {
  const b = Buffer.alloc(512);
  b.writeUInt32LE(WL_MAGIC, 0);
  b.writeUInt32LE(n, 4);
  b.writeUInt32LE(wlLba(n), 8);
  for (let i = 12; i < 512; i++) b[i] = (n + i) & 0xff;
  return b;
}

/** Each sector written before `flushed` holds its last write before that point or a later
 *  one (unflushed writes may survive a process kill: they were in the page cache). */
export function verifyWriteLoop(file: string, flushed: number): void {
  const last = new Map<number, number>();
  for (let n = 0; n < flushed; n++) last.set(wlLba(n), n);
  const d = openDisk(file, { readOnly: true });
  try {
    const got = Buffer.alloc(512);
    for (const [sector, n] of last) {
      d.read(sector * 512, got);
      expect(got.readUInt32LE(0), `sector ${sector}: write ${n} lost`).toBe(WL_MAGIC);
      const m = got.readUInt32LE(4);
      expect(m >= n && wlLba(m) === sector && got.equals(wlRecord(m)), `sector ${sector}: holds write ${m}, expected ${n} or later`).toBe(true);
    }
  } finally {
    d.close();
  }
}
