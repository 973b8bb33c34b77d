// The disks of one VM in the VM host: opens each image through vmfiles (VMDK layouts, raw,
// ISO), holds a lock on it for the whole run (a disk is never opened twice), and serves
// the native devices' read/write/flush requests synchronously.
import type { DiskSpec } from '../common/protocol';
import { acquireLock, type FileLock } from '../vmfiles/lock';
import { openDisk, type DiskImage } from '../vmfiles/vmdk/index';
import type { NativeDiskRequest, NativeVm, NativeVmConfig } from './native';

interface OpenedDisk {
  spec: DiskSpec;
  image: DiskImage;
  lock: FileLock;
}

export class DiskSet {
  private readonly disks: OpenedDisk[] = [];

  /** Opens every disk or none: on failure, what was opened is closed and unlocked. */
  constructor(specs: DiskSpec[]) {
    try {
      for (const spec of specs) {
        const lock = acquireLock(spec.path);
        try {
          const image = openDisk(spec.path, { readOnly: spec.readOnly || spec.kind === 'cdrom' });
          this.disks.push({ spec, image, lock });
        } catch (err) {
          lock.release();
          throw err;
        }
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  nativeConfig(): NonNullable<NativeVmConfig['disks']> {
    return this.disks.map(({ spec, image }) => ({
      sizeBytes: image.size,
      readOnly: image.readOnly,
      cdrom: spec.kind === 'cdrom',
      bus: spec.bus ?? 'ide',
    }));
  }

  attach(vm: NativeVm): void {
    if (this.disks.length) vm.onDiskRequest((r) => vm.completeDisk(r.disk, r.id, ...this.serve(r)));
  }

  close(): void {
    for (const d of this.disks.splice(0)) {
      try {
        d.image.close();
      } finally {
        d.lock.release();
      }
    }
  }

  private serve(r: NativeDiskRequest): [boolean, Uint8Array?] {
    const disk = this.disks[r.disk];
    if (!disk) return [false];
    try {
      switch (r.op) {
        case 'read': {
          const buf = new Uint8Array(r.length);
          disk.image.read(r.offset, buf);
          return [true, buf];
        }
        case 'write':
          disk.image.write(r.offset, r.data ?? new Uint8Array(0));
          return [true];
        case 'flush':
          disk.image.flush();
          return [true];
      }
    } catch {
      return [false]; // the device reports an I/O error to the guest
    }
  }
}
