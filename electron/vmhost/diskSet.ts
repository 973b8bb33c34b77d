// The disks of one VM in the VM host: opens each image through vmfiles (VMDK layouts, raw,
// ISO), holds a lock on it for the whole run (a disk is never opened twice), and serves
// the native devices' read/write/flush requests synchronously. A VM's disks must be in its
// VM folder unless the user allowed the file (DiskConfinement).
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { DiskSpec } from '../common/protocol';
import { acquireLock, type FileLock } from '../vmfiles/lock';
import { DiskError, openDisk, type DiskImage } from '../vmfiles/vmdk/index';
import { isOutsideVmFolder, vmFolderOf } from '../vmfiles/vmxDisks';
import type { NativeDiskRequest, NativeVm, NativeVmConfig } from './native';

interface OpenedDisk {
  spec: DiskSpec;
  image: DiskImage;
  lock: FileLock;
}

/** Where the disks of a VM may be: its VM folder, plus what the user allowed outside it. */
export interface DiskConfinement {
  /** The VM's .vmx; without one (CLI --disk), the user named each file directly. */
  vmxPath?: string;
  /** Real paths outside the VM folder that the user allowed (VmConfig.externalDisks). */
  externalDisks?: string[];
}

export class DiskSet {
  private readonly disks: OpenedDisk[] = [];

  /** Opens every disk or none: on failure, what was opened is closed and unlocked. */
  constructor(specs: DiskSpec[], confinement: DiskConfinement = {}) {
    try {
      for (const spec of specs) {
        // Opened (which only reads) before the lock is taken: a refused file — outside
        // the folder, a device — gets no `.lck` beside it either.
        const within = confinedTo(spec, confinement);
        const image = openDisk(spec.path, { readOnly: spec.readOnly || spec.kind === 'cdrom', within });
        try {
          this.disks.push({ spec, image, lock: acquireLock(spec.path) });
        } catch (err) {
          image.close();
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
      ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
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

/**
 * The folder a disk must resolve inside (OpenOptions.within), or undefined when it may be
 * anywhere. A .vmx is data from wherever the VM folder came from; its disks stay in its
 * folder unless the user allowed that very file (issue 9, hole 3).
 */
function confinedTo(spec: DiskSpec, c: DiskConfinement): string | undefined {
  if (!c.vmxPath) return undefined;
  const folder = vmFolderOf(c.vmxPath);
  if (!isOutsideVmFolder(c.vmxPath, spec.path)) return folder;
  let real: string;
  try {
    real = fs.realpathSync(spec.path);
  } catch {
    real = path.resolve(spec.path);
  }
  if (c.externalDisks?.includes(real)) return path.dirname(real);
  throw new DiskError('forbidden-path', spec.path, `is outside the VM folder ${folder} and was not allowed for this VM (vireo run --allow-external-disks, or allow it when the app asks)`);
}
