// Faults, with nothing lost (issue 9), on KVM through the real CLI: the VM host of a guest
// that writes a sparse VMDK in a loop (native/guests/disk_writeloop) is killed with SIGKILL
// while a second VM runs. The user is told the first VM's host ended (exit 102), the second
// VM runs on until its own --timeout (exit 103), the VMDK passes `qemu-img check` and
// `vireo disk check`, every write the guest saw flushed is there, and the disk's stale
// lock (owner pid gone) is broken by the next start. The same fault without KVM:
// electron/vmhost/diskCrash.test.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable, skipReason } from '../testing/kvmGate';
import { GUESTS, ROOT, runCli } from '../testing/runCli';
import { WL_SECTORS, verifyWriteLoop } from '../testing/writeLoop';
import { lockPathFor, pidAlive, readOwner } from '../vmfiles/lock';
import { createSparseVmdk } from '../vmfiles/vmdk/index';

const kvm = kvmAvailable();
if (!kvm) skipReason('faults.kvm.test.ts', 'no /dev/kvm');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-faults-'));
const VIREO = path.join(ROOT, 'bin/vireo.js');

/** The pids of `pid`'s child processes (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [VIREO, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { child, stdout: '', stderr: '', exited: new Promise((r) => child.on('close', (code) => r(code))) };
  child.stdout!.on('data', (d: Buffer) => (run.stdout += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()));
  return run;
}

async function until(run: Run, re: RegExp, ms: number): Promise<RegExpMatchArray> {
  const t0 = Date.now();
  for (;;) {
    const m = run.stdout.match(re);
    if (m) return m;
    if (Date.now() - t0 > ms || run.child.exitCode !== null) throw new Error(`no ${re} after ${ms} ms; stdout: ${run.stdout.slice(-400)} stderr: ${run.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lastFlushed = (out: string) => Math.max(0, ...[...out.matchAll(/writeloop: flushed (\d+)/g)].map((m) => Number(m[1])));

describe.skipIf(!kvm)('kill -9 of a VM host while its guest writes a sparse VMDK', () => {
  it('the other VM keeps running, the VMDK is consistent with every flushed write, the stale lock is cleared on the next start', async () => {
    const disk = path.join(tmp, 'loop.vmdk');
    createSparseVmdk(disk, WL_SECTORS * 512);
    const guest = path.join(GUESTS, 'disk_writeloop.bin');
    const other = start(['--kernel', path.join(GUESTS, 'demo.bin'), '--timeout', '90']);
    await until(other, /Vireo demo guest/, 60_000);
    const writer = start(['--kernel', guest, '--disk', `${disk},virtio`]);
    await until(writer, /writeloop: flushed (6[4-9]|[7-9]\d|\d{3,})\b/, 60_000);
    const hosts = childrenOf(writer.child.pid!);
    expect(hosts).toHaveLength(1);
    const host = hosts[0]!;
    process.kill(host, 'SIGKILL');
    expect(await writer.exited).toBe(102);
    expect(writer.stderr).toMatch(/vireo: the VM host ended unexpectedly \(SIGKILL\)/);
    const flushed = lastFlushed(writer.stdout);

    // The second VM was not disturbed: it ends by its own --timeout.
    expect(other.child.exitCode).toBeNull();
    expect(await other.exited).toBe(103);

    // The killed host's disk lock is left behind and recognisably stale.
    const owner = readOwner(lockPathFor(disk));
    expect(owner?.pid).toBe(host);
    expect(pidAlive(host)).toBe(false);

    const q = spawnSync('qemu-img', ['check', '-f', 'vmdk', disk], { encoding: 'utf8' });
    expect(q.status, q.stdout + q.stderr).toBe(0);
    const check = spawnSync(process.execPath, [VIREO, 'disk', 'check', disk], { encoding: 'utf8' });
    expect(check.stdout).toBe(`No errors were found on the image ${disk}.\n`);
    verifyWriteLoop(disk, flushed);

    // The next start breaks the stale lock: the guest writes again.
    const again = await runCli(['run', '--kernel', guest, '--disk', `${disk},virtio`, '--timeout', '60'], { until: /writeloop: flushed 16\b/, timeoutMs: 90_000 });
    expect(again.stdout).toMatch(/writeloop: flushed 16\b/);
    expect(again.stderr).not.toMatch(/lock/i);
  }, 300_000);
});
