// Whether a disk or CD image a .vmx names lies outside its VM folder. A .vmx is data from
// wherever the folder came from:
// `scsi0:0.fileName = "/home/me/.ssh/id_ed25519"` (or "../../x", or a symlink in the folder
// pointing out) would hand that file to the guest. Such a disk is used only when the user
// said so (`vireo run --allow-external-disks`, or the app's one-time question); real paths
// (symlinks followed) are compared. vmxImport.ts lists a VM's files outside its folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isInside } from './vmdk/fileIo';

/** Real path of the folder holding the .vmx. */
export function vmFolderOf(vmxFile: string): string {
  const dir = path.dirname(path.resolve(vmxFile));
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

/** Real path (symlinks followed); the lexical path when the file does not exist. */
export function realOrLexical(p: string): string {
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
