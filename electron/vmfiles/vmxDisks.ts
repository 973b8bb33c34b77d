// The disk and CD image files a .vmx names, resolved to host paths, and whether each lies
// outside the VM folder. A .vmx is data from wherever the folder came from:
// `scsi0:0.fileName = "/home/me/.ssh/id_ed25519"` (or "../../x", or a symlink in the folder
// pointing out) would hand that file to the guest. Such a disk is used only when the user
// said so (`vireo run --allow-external-disks`, or the app's one-time question); real paths
// (symlinks followed) are compared.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isInside } from './vmdk/fileIo';
import { VmxDocument } from './vmx';
import { DiskDevice, readDevices, resolveVmxPath } from './vmxDevices';

export interface VmxDiskFile {
  device: DiskDevice;
  /** The setting that names the file, e.g. `scsi0:0.fileName`. */
  key: string;
  /** Host path as the .vmx names it (resolved against the .vmx folder). */
  path: string;
  /** Real path (symlinks followed); the lexical path when the file does not exist. */
  real: string;
  /** True when `real` is not inside the real VM folder. */
  external: boolean;
}

/** Real path of the folder holding the .vmx. */
export function vmFolderOf(vmxFile: string): string {
  const dir = path.dirname(path.resolve(vmxFile));
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

function realOrLexical(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** True when `file` resolves outside the VM folder of `vmxFile` (real paths). */
export function isOutsideVmFolder(vmxFile: string, file: string): boolean {
  return !isInside(vmFolderOf(vmxFile), realOrLexical(file));
}

/** Present hard disks and CD images (cdrom-image) that name a file, in .vmx order. */
export function vmxDiskFiles(doc: VmxDocument): VmxDiskFile[] {
  const folder = vmFolderOf(doc.file);
  const out: VmxDiskFile[] = [];
  for (const device of readDevices(doc)) {
    if (!device.present || device.fileName === undefined) continue;
    if (device.kind !== 'disk' && device.kind !== 'cdrom-image') continue;
    const key = `${device.bus}${device.controller}:${device.unit}.fileName`;
    const file = resolveVmxPath(doc, device.fileName, key);
    const real = realOrLexical(file);
    out.push({ device, key, path: file, real, external: !isInside(folder, real) });
  }
  return out;
}
