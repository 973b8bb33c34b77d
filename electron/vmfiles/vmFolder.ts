// Opening a VMware VM folder for `vireo run vm.vmx`: read the .vmx, take the VM lock
// (`vm.vmx.lck`), then lock and open every present hard disk. CD images are only resolved
// (the CD device opens them itself). Any failure undoes everything done so far.
import { FileLock, acquireLock } from './lock';
import { VmxDocument, readVmx } from './vmx';
import { DiskDevice, VmSettings, resolveVmxPath, vmxToConfig } from './vmxConfig';
import { DiskError, DiskImage, openDisk } from './vmdk/index';
import { isOutsideVmFolder, vmFolderOf } from './vmxDisks';

export interface OpenedDisk {
  device: DiskDevice;
  /** Host path of the disk or ISO; undefined for host CD drives (cdrom-raw) without a file. */
  path?: string;
  /** Open image for `disk` devices; null for CDs and `other` device types. */
  image: DiskImage | null;
}

export interface OpenedVm {
  vmxPath: string;
  doc: VmxDocument;
  settings: VmSettings;
  disks: OpenedDisk[];
  /** Flushes and closes every disk, then releases disk and VM locks. Idempotent. */
  close(): void;
}

export interface OpenVmOptions {
  readOnly?: boolean;
  /** Disks the .vmx names outside the VM folder may be opened (the user said so).
   *  Extents and parents stay inside each descriptor's own folder regardless. */
  allowExternalDisks?: boolean;
}

export function openVm(vmxPath: string, opts: OpenVmOptions = {}): OpenedVm {
  const doc = readVmx(vmxPath);
  const settings = vmxToConfig(doc);
  const locks: FileLock[] = [];
  const disks: OpenedDisk[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    let first: unknown;
    for (const d of disks) {
      try {
        d.image?.flush();
        d.image?.close();
      } catch (err) {
        first ??= err;
      }
    }
    for (const l of locks.reverse()) l.release();
    if (first) throw first;
  };
  try {
    locks.push(acquireLock(vmxPath));
    for (const device of settings.disks) {
      if (!device.present) continue;
      const key = `${device.bus}${device.controller}:${device.unit}.fileName`;
      const file = device.fileName === undefined || device.kind === 'cdrom-raw' ? undefined : resolveVmxPath(doc, device.fileName, key);
      // Disks and CD images alike (a CD image outside would show any host file to the guest).
      if ((device.kind === 'disk' || device.kind === 'cdrom-image') && file !== undefined && !opts.allowExternalDisks && isOutsideVmFolder(vmxPath, file)) {
        throw new DiskError('forbidden-path', vmxPath, `${key} names ${file}, which is outside the VM folder ${vmFolderOf(vmxPath)}`);
      }
      if (device.kind !== 'disk' || file === undefined) {
        disks.push({ device, path: file ?? device.fileName, image: null });
        continue;
      }
      if (!opts.readOnly) locks.push(acquireLock(file));
      const image = openDisk(file, { readOnly: opts.readOnly, within: opts.allowExternalDisks ? undefined : vmFolderOf(vmxPath) });
      disks.push({ device, path: file, image });
    }
  } catch (err) {
    try {
      close();
    } catch {
      // the original error is the one worth reporting
    }
    throw err;
  }
  return { vmxPath, doc, settings, disks, close };
}
