// The VM host on a snapshot chain: DiskSet (the handler the native disk devices call)
// opens the delta the .vmx names after `take`, reads the parent's bytes through it, and
// the guest's writes land in the delta. Revert gives the base bytes back to the next VM
// host; delete consolidates and the VM host reads the same bytes as before. No KVM: the
// requests are the ones a guest's driver makes, fed to DiskSet's handler.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_QEMU_IMG, MiB, makeVm, pattern, qemuFlatCopy, qemuImg, qemuSame, vmxValue } from '../testing/snapshotVm';
import { deleteSnapshot, revertSnapshot, takeSnapshot } from '../vmfiles/snapshot/index';
import { DiskSet } from './diskSet';
import type { NativeDiskRequest } from './native';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vmhost-snap-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const SECTOR = 512;
const SIZE = 16 * MiB;
const BASE = pattern(2 * MiB, 5);

/** A VM host's disk set on `vmx`'s present disk, driven like the native devices drive it. */
function vmHostDisk(vmx: string) {
  const file = path.join(path.dirname(vmx), vmxValue(vmx, 'scsi0:0.fileName')!);
  const set = new DiskSet([{ path: file, kind: 'disk', bus: 'virtio' }], { vmxPath: vmx });
  let handler: ((r: NativeDiskRequest) => void) | undefined;
  const done: Array<{ id: number; ok: boolean; data?: Uint8Array }> = [];
  set.attach({ onDiskRequest: (h: (r: NativeDiskRequest) => void) => (handler = h), completeDisk: (_d: number, id: number, ok: boolean, data?: Uint8Array) => done.push({ id, ok, data }) } as never);
  let id = 1;
  const request = (r: Omit<NativeDiskRequest, 'disk' | 'id'>) => {
    handler!({ disk: 0, id: id++, ...r });
    const c = done.pop()!;
    expect(c.ok).toBe(true);
    return c.data;
  };
  return {
    file,
    sizeBytes: set.nativeConfig()[0].sizeBytes,
    read: (lba: number, sectors: number) => Buffer.from(request({ op: 'read', offset: lba * SECTOR, length: sectors * SECTOR })!),
    write: (lba: number, data: Buffer) => request({ op: 'write', offset: lba * SECTOR, length: data.length, data }),
    flush: () => request({ op: 'flush', offset: 0, length: 0 }),
    close: () => set.close(),
  };
}

describe('the VM host on a snapshot delta chain', () => {
  it('reads the parent through the delta, writes into it; revert gives the base bytes back', () => {
    const dir = path.join(tmp, 'revert');
    const vmx = makeVm(dir, 'VM', [{ node: 'scsi0:0', file: 'disk.vmdk', size: SIZE, content: BASE }]);
    takeSnapshot(vmx, 'Clean');
    const host = vmHostDisk(vmx);
    expect(path.basename(host.file)).toBe('disk-000001.vmdk');
    expect(host.sizeBytes).toBe(SIZE);
    // Before any write: the base's bytes, through the delta (and zeros past the content).
    expect(host.read(0, 4096).equals(BASE)).toBe(true);
    expect(host.read(8192, 8).equals(Buffer.alloc(4096))).toBe(true);
    // A guest's writes: a boot-sector-sized one, one straddling grains, one far out.
    host.write(0, pattern(512, 1));
    host.write(127, pattern(4096, 2));
    host.write(30000, pattern(8192, 3));
    host.flush();
    expect(host.read(0, 1).equals(pattern(512, 1))).toBe(true);
    expect(host.read(127, 8).equals(pattern(4096, 2))).toBe(true);
    expect(host.read(135, 1).equals(BASE.subarray(135 * 512, 136 * 512))).toBe(true);
    expect(host.read(30000, 16).equals(pattern(8192, 3))).toBe(true);
    host.close();
    if (HAVE_QEMU_IMG) {
      qemuImg('check', path.join(dir, 'disk-000001.vmdk'));
      qemuImg('check', path.join(dir, 'disk.vmdk'));
    }
    revertSnapshot(vmx, 'Clean');
    const next = vmHostDisk(vmx);
    expect(path.basename(next.file)).toBe('disk-000002.vmdk'); // a fresh delta on disk.vmdk
    expect(next.read(0, 4096).equals(BASE)).toBe(true);
    expect(next.read(30000, 16).equals(Buffer.alloc(8192))).toBe(true);
    next.close();
  });

  it.runIf(HAVE_QEMU_IMG)('after delete the VM host reads what it read before; qemu-img compare agrees', () => {
    const dir = path.join(tmp, 'delete');
    const vmx = makeVm(dir, 'VM', [{ node: 'scsi0:0', file: 'disk.vmdk', size: SIZE, content: BASE }]);
    takeSnapshot(vmx, 'A');
    let host = vmHostDisk(vmx);
    host.write(64, pattern(65536, 7));
    host.close();
    takeSnapshot(vmx, 'B');
    host = vmHostDisk(vmx);
    host.write(200, pattern(1024, 8));
    host.write(32000, pattern(512, 9));
    const seen = host.read(0, SIZE / SECTOR);
    host.close();
    const flat = qemuFlatCopy(host.file, path.join(tmp, 'delete-before.raw'));
    deleteSnapshot(vmx, 'B');
    deleteSnapshot(vmx, 'A');
    expect(vmxValue(vmx, 'scsi0:0.fileName')).toBe('disk.vmdk');
    host = vmHostDisk(vmx);
    expect(host.read(0, SIZE / SECTOR).equals(seen)).toBe(true);
    host.close();
    expect(qemuSame(flat, path.join(dir, 'disk.vmdk'))).toBe(true);
    qemuImg('check', path.join(dir, 'disk.vmdk'));
  });
});
