// The disks of one VM in the VM host: opens each image through vmfiles (VMDK layouts, raw,
// ISO), holds a lock on it for the whole run (a disk is never opened twice), and serves
// the native devices' read/write/flush requests synchronously. A VM's disks must be in its
// VM folder unless the user allowed the file (DiskConfinement).
//
// Host faults (issue 9): a write or flush that fails because the host's disk is full (or
// the user's quota or file-size limit is reached) is not failed to the guest — the host
// can fix that. The request is held, later ones queue behind it in order, and onDiskFull
// tells the session, which pauses the VM and names the file; retryHeld() (on resume) serves
// them again. Every other failure (EIO, a corrupt image) is an I/O error on that request,
// as a real disk reports it. The image stays consistent either way: vmfiles writes grain
// data before the table that points at it, so a failed write leaves no reference to it.
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

/** errno names that mean "the host ran out of room", which the user can fix and retry. */
const RETRYABLE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export function isHostFull(err: unknown): err is DiskError {
  return err instanceof DiskError && err.errno !== undefined && RETRYABLE.has(err.errno);
}

export class DiskSet {
  private readonly disks: OpenedDisk[] = [];
  private readonly held: NativeDiskRequest[] = [];
  private complete: (r: NativeDiskRequest, ok: boolean, data?: Uint8Array) => void = () => undefined;
  /** Called once per hold (the first request that could not be written). */
  onDiskFull: (file: string, err: DiskError) => void = () => undefined;

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
    if (!this.disks.length) return;
    this.complete = (r, ok, data) => vm.completeDisk(r.disk, r.id, ok, data);
    vm.onDiskRequest((r) => this.handle(r));
  }

  /** Requests held because the host was full. */
  heldCount(): number {
    return this.held.length;
  }

  /** Serves the held requests in order; returns true when none is left (the VM may run). */
  retryHeld(): boolean {
    const again = this.held.splice(0);
    for (let i = 0; i < again.length; i++) {
      if (!this.handle(again[i]!)) {
        this.held.push(...again.slice(i + 1));
        return false;
      }
    }
    return true;
  }

  /** Serves one request, or holds it; false when it (and so everything after it) is held. */
  private handle(r: NativeDiskRequest): boolean {
    if (this.held.length) {
      this.held.push(r);  // keep the guest's order: nothing overtakes a held write
      return false;
    }
    try {
      const data = this.serve(r);
      this.complete(r, true, data);
      return true;
    } catch (err) {
      if (isHostFull(err)) {
        this.held.push(r);
        this.onDiskFull(err.file, err);
        return false;
      }
      this.complete(r, false);  // the device reports an I/O error to the guest
      return true;
    }
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

  /** The request's data for a read; throws what the image throws. */
  private serve(r: NativeDiskRequest): Uint8Array | undefined {
    const disk = this.disks[r.disk];
    if (!disk) throw new DiskError('out-of-range', `disk ${r.disk}`, 'no such disk');
    switch (r.op) {
      case 'read': {
        const buf = new Uint8Array(r.length);
        disk.image.read(r.offset, buf);
        return buf;
      }
      case 'write':
        disk.image.write(r.offset, r.data ?? new Uint8Array(0));
        return undefined;
      case 'flush':
        disk.image.flush();
        return undefined;
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
