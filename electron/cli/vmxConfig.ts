// `vireo run path/to/vm.vmx`: a VMware VM's settings as a VmConfig. Disks (IDE, SCSI,
// SATA, NVMe in the .vmx) all appear on Vireo's IDE controller so SeaBIOS boots them as
// VMware's BIOS would; CD images go on the secondary channel.
import * as path from 'node:path';

import type { DiskSpec, VmConfig } from '../common/protocol';
import { readVmx } from '../vmfiles/vmx';
import { vmxToConfig } from '../vmfiles/vmxConfig';
import { vmFolderOf, vmxDiskFiles } from '../vmfiles/vmxDisks';
import { UsageError } from './args';

export function vmConfigFromVmx(vmxPath: string, opts: { allowExternalDisks?: boolean } = {}): VmConfig {
  const file = path.resolve(vmxPath);
  const doc = readVmx(file);
  const s = vmxToConfig(doc);
  if (s.firmware === 'efi') throw new Error(`${file}: firmware = "efi" is not supported yet: set firmware = "bios" (SeaBIOS)`);
  const disks: DiskSpec[] = [];
  const externalDisks: string[] = [];
  for (const d of vmxDiskFiles(doc)) {
    if (!d.device.startConnected) continue;
    if (d.external) {
      if (!opts.allowExternalDisks) {
        throw new UsageError(`${d.path} (${d.key} in ${file}) is outside the VM folder ${vmFolderOf(file)}: pass --allow-external-disks to use it`);
      }
      externalDisks.push(d.real);
    }
    disks.push({ path: d.path, kind: d.device.kind === 'disk' ? 'disk' : 'cdrom', bus: 'ide' });
  }
  return {
    name: s.displayName ?? path.basename(file, '.vmx'),
    memoryMiB: s.memsizeMiB ?? 32,
    cpus: Math.min(Math.max(s.numvcpus ?? 1, 1), 8),
    firmware: 'seabios',
    vmxPath: file,
    ...(externalDisks.length ? { externalDisks } : {}),
    disks,
    display: s.svga.maxWidth && s.svga.maxHeight ? { maxWidth: s.svga.maxWidth, maxHeight: s.svga.maxHeight, vramMiB: 32 } : undefined,
    tools: { syncTime: s.toolsSyncTime ?? true, copyAllowed: !s.isolation.copyDisable, pasteAllowed: !s.isolation.pasteDisable },
    guestInfo: s.guestinfo,
  };
}
