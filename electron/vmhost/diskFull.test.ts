// A full host disk during guest writes (issue 9, "faults, with nothing lost"): on a real
// file system that runs out of space (a 1 MiB tmpfs), a sparse VMDK write is held instead
// of failed, later requests queue behind it in order, the session is told which file, and
// once space is freed the retry writes everything; the image then reads back exactly and
// passes `qemu-img check`. Other failures are an I/O error on that request only.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { skipReason } from '../testing/kvmGate';
import { createSparseVmdk, openDisk } from '../vmfiles/vmdk/index';
import { DiskSet } from './diskSet';
import type { NativeDiskRequest, NativeVm } from './native';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-diskfull-'));
const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0;
const haveQemuImg = spawnSync('qemu-img', ['--version']).status === 0;
if (!mounted) skipReason('diskFull.test.ts', 'needs root to mount a 1 MiB tmpfs that can really fill up');

/** The two NativeVm calls DiskSet uses, recorded. */
class FakeVm {
  handler?: (r: NativeDiskRequest) => void;
  done: { id: number; ok: boolean; data?: Uint8Array }[] = [];
  onDiskRequest(h: (r: NativeDiskRequest) => void): void {
    this.handler = h;
  }
  completeDisk(_disk: number, id: number, ok: boolean, data?: Uint8Array): void {
    this.done.push({ id, ok, data });
  }
}

const pattern = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_v, i) => (i * 31 + seed) & 0xff));

describe.runIf(mounted)('host disk full', () => {
  const vmdk = path.join(dir, 'disk.vmdk');
  const filler = path.join(dir, 'filler');
  beforeAll(() => createSparseVmdk(vmdk, 64 * 1024 * 1024));
  afterAll(() => {
    spawnSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the writes, names the file, keeps the order and loses nothing on retry', () => {
    const disks = new DiskSet([{ path: vmdk, kind: 'disk' }]);
    const vm = new FakeVm();
    const full: string[] = [];
    disks.onDiskFull = (file, err) => full.push(`${file} ${err.errno}`);
    disks.attach(vm as unknown as NativeVm);
    // Leave (almost) no room: what is left is less than one 64 KiB grain.
    try {
      fs.writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024));
    } catch {
      /* ENOSPC: the filler took what there was */
    }
    const a = pattern(65536, 1);
    const b = pattern(4096, 7);
    vm.handler!({ disk: 0, id: 1, op: 'write', offset: 0, length: a.length, data: a });
    vm.handler!({ disk: 0, id: 2, op: 'write', offset: 8 * 1024 * 1024, length: b.length, data: b });
    vm.handler!({ disk: 0, id: 3, op: 'read', offset: 0, length: 4096 });
    expect(full).toEqual([`${vmdk} ENOSPC`]);
    expect(vm.done).toEqual([]);
    expect(disks.heldCount()).toBe(3);
    // Still full: the retry holds again, in the same order.
    expect(disks.retryHeld()).toBe(false);
    expect(disks.heldCount()).toBe(3);
    fs.rmSync(filler);
    expect(disks.retryHeld()).toBe(true);
    expect(vm.done.map((d) => [d.id, d.ok])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(Buffer.from(vm.done[2]!.data!)).toEqual(a.subarray(0, 4096));
    // A request the image refuses (past the end of the disk) is an error to the guest, not a hold.
    vm.handler!({ disk: 0, id: 4, op: 'read', offset: 64 * 1024 * 1024, length: 512 });
    expect(vm.done.at(-1)).toEqual({ id: 4, ok: false, data: undefined });
    expect(disks.heldCount()).toBe(0);
    disks.close();

    const image = openDisk(vmdk, { readOnly: true });
    const back = Buffer.alloc(b.length);
    image.read(8 * 1024 * 1024, back);
    expect(back).toEqual(b);
    image.close();
    if (haveQemuImg) expect(execFileSync('qemu-img', ['check', vmdk]).toString()).toMatch(/No errors were found/);
    else skipReason('diskFull qemu-img check', 'qemu-img not found (Debian qemu-utils)');
  });
});
