// `vireo run path/to/vm.vmx`: a VMware VM's settings as a VmConfig. Disks (IDE, SCSI,
// SATA, NVMe in the .vmx) all appear on Vireo's IDE controller so SeaBIOS boots them as
// VMware's BIOS would; CD images go on the secondary channel.
import * as path from 'node:path';

import type { DiskSpec, VmConfig } from '../common/protocol';
import { readVmx } from '../vmfiles/vmx';
import { vmxToConfig } from '../vmfiles/vmxConfig';
import { resolveVmxPath } from '../vmfiles/vmxDevices';

export function vmConfigFromVmx(vmxPath: string): VmConfig {
  const file = path.resolve(vmxPath);
  const doc = readVmx(file);
  const s = vmxToConfig(doc);
  if (s.firmware === 'efi') throw new Error(`${file}: firmware = "efi" is not supported yet: set firmware = "bios" (SeaBIOS)`);
  const disks: DiskSpec[] = [];
  for (const d of s.disks) {
    if (!d.present || !d.fileName || !d.startConnected) continue;
    const key = `${d.bus}${d.controller}:${d.unit}.fileName`;
    if (d.kind === 'disk') disks.push({ path: resolveVmxPath(doc, d.fileName, key), kind: 'disk', bus: 'ide' });
    else if (d.kind === 'cdrom-image') disks.push({ path: resolveVmxPath(doc, d.fileName, key), kind: 'cdrom', bus: 'ide' });
  }
  return {
    name: s.displayName ?? path.basename(file, '.vmx'),
    memoryMiB: s.memsizeMiB ?? 32,
    cpus: Math.min(Math.max(s.numvcpus ?? 1, 1), 8),
    firmware: 'seabios',
    vmxPath: file,
    disks,
    display: s.svga.maxWidth && s.svga.maxHeight ? { maxWidth: s.svga.maxWidth, maxHeight: s.svga.maxHeight, vramMiB: 32 } : undefined,
    tools: { syncTime: s.toolsSyncTime ?? true, copyAllowed: !s.isolation.copyDisable, pasteAllowed: !s.isolation.pasteDisable },
    guestInfo: s.guestinfo,
  };
}
