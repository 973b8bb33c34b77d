// Faults, with nothing lost (issue 9): a VM host process killed with SIGKILL while its disk
// is written in a loop. The writes take the VM host's own path — DiskSet's disk-request
// handler, the handler the native devices call — in a real child process; the kill lands
// at a random point of the loop (mid-grain, mid-commit). Afterwards the VMDK passes
// `qemu-img check` and `vireo disk check`, every write made before the last completed
// FLUSH reads back, and the disk's stale lock is recognised (its owner pid is gone) and
// broken by the next open. The same fault with a real guest on KVM:
// electron/cli/faults.kvm.test.ts.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { ROOT } from '../testing/runCli';
import { lockState } from '../vmfiles/library';
import { lockPathFor, pidAlive, readOwner } from '../vmfiles/lock';
import { createSparseVmdk } from '../vmfiles/vmdk/index';
import { WL_BATCH, WL_SECTORS, WL_STRIDE, verifyWriteLoop } from '../testing/writeLoop';
import { DiskSet } from './diskSet';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-crash-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!haveQemuImg && process.env.VIREO_REQUIRE_TOOLS === '1') throw new Error('VIREO_REQUIRE_TOOLS=1 but qemu-img is not on PATH');

/** What the child runs: DiskSet exactly as the VM host builds it, fed the requests the
 *  guest would make; prints "flushed <n>" after each completed FLUSH. */
const CHILD = `
const { DiskSet } = require(${JSON.stringify(path.join(ROOT, 'out/electron/vmhost/diskSet.js'))});
const [file, stride, sectors, batch] = process.argv.slice(1);
const set = new DiskSet([{ path: file, kind: 'disk', bus: 'virtio' }]);
let handler;
const done = [];
set.attach({ onDiskRequest: (h) => (handler = h), completeDisk: (_d, id, ok) => done.push([id, ok]) });
process.stdout.write('ready\\n');
for (let n = 0, id = 1; ; n++) {
  const lba = (n * Number(stride)) % Number(sectors);
  const b = Buffer.alloc(512);
  b.writeUInt32LE(0x504f4c57, 0); b.writeUInt32LE(n, 4); b.writeUInt32LE(lba, 8);
  for (let i = 12; i < 512; i++) b[i] = (n + i) & 0xff;
  handler({ disk: 0, id: id++, op: 'write', offset: lba * 512, length: 512, data: b });
  if ((n + 1) % Number(batch) === 0) {
    handler({ disk: 0, id: id++, op: 'flush', offset: 0, length: 0 });
    if (done.some(([, ok]) => !ok)) { process.stdout.write('FAILED\\n'); process.exit(1); }
    done.length = 0;
    process.stdout.write('flushed ' + (n + 1) + '\\n');
  }
}
`;

/** Runs the writer until it reported `atLeast` flushed writes plus a random delay, then
 *  SIGKILL. Returns the last flushed count it printed and its pid. */
function writeThenKill(file: string, atLeast: number): Promise<{ flushed: number; pid: number; signal: string | null }> {
  const child = spawn(process.execPath, ['-e', CHILD, file, String(WL_STRIDE), String(WL_SECTORS), String(WL_BATCH)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let flushed = 0;
  let buf = '';
  let killTimer: NodeJS.Timeout | undefined;
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('writer never reached the kill point'))), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
        const m = /^flushed (\d+)$/.exec(buf.slice(0, i));
        if (m) flushed = Number(m[1]);
        if (buf.slice(0, i) === 'FAILED') reject(new Error('a write failed in the writer'));
      }
      if (flushed >= atLeast && !killTimer) killTimer = setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 40));
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      resolve({ flushed, pid: child.pid!, signal });
    });
  });
}

describe('kill -9 of a VM host while its disk is written', () => {
  it.each(['monolithicSparse', 'twoGbMaxExtentSparse'] as const)('%s: consistent, flushed writes kept, stale lock recognised and broken', async (subformat) => {
    const file = path.join(tmp, `${subformat}.vmdk`);
    createSparseVmdk(file, WL_SECTORS * 512, { subformat });
    for (let round = 0; round < 2; round++) {
      const { flushed, pid, signal } = await writeThenKill(file, 200 + round * 150);
      expect(signal).toBe('SIGKILL');
      expect(flushed).toBeGreaterThanOrEqual(200);
      // The lock the killed host held is still there, and recognised as stale.
      const owner = readOwner(lockPathFor(file));
      expect(owner?.pid).toBe(pid);
      expect(pidAlive(pid)).toBe(false);
      expect(lockState(file)).toEqual({ state: 'stopped' });
      // The image is consistent for qemu-img and for us.
      if (haveQemuImg) {
        const q = spawnSync('qemu-img', ['check', '-f', 'vmdk', file], { encoding: 'utf8' });
        expect(q.status, q.stdout + q.stderr).toBe(0);
      }
      const check = spawnSync(process.execPath, [path.join(ROOT, 'bin/vireo.js'), 'disk', 'check', file], { encoding: 'utf8' });
      expect(check.stdout).toBe(`No errors were found on the image ${file}.\n`);
      expect(check.status).toBe(0);
      verifyWriteLoop(file, flushed);
    }
    // The next start breaks the stale lock and takes its own.
    const set = new DiskSet([{ path: file, kind: 'disk' }]);
    expect(readOwner(lockPathFor(file))?.pid).toBe(process.pid);
    set.close();
    expect(fs.existsSync(lockPathFor(file))).toBe(false);
    if (haveQemuImg) execFileSync('qemu-img', ['check', '-f', 'vmdk', file]);
  }, 180_000);
});
