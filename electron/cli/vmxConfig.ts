// `vireo run path/to/vm.vmx`: a VMware VM's settings as a VmConfig. Disks (IDE, SCSI,
// SATA, NVMe in the .vmx) all appear on Vireo's IDE controller so SeaBIOS boots them as
// VMware's BIOS would; CD images go on the secondary channel.
import * as path from 'node:path';

import type { DiskSpec, NicSpec, VmConfig } from '../common/protocol';
import { readVmx, type VmxDocument } from '../vmfiles/vmx';
import { readEthernet } from '../vmfiles/vmxEthernet';
import { generatedMac, NetUsageError, normalizeMac } from './netArgs';
import { vmxToConfig } from '../vmfiles/vmxConfig';
import { vmFolderOf, vmxDiskFiles } from '../vmfiles/vmxDisks';
import { UsageError } from './args';

/** ethernet<N> keys as Vireo's adapters. What Vireo cannot do is reported in `notes`,
 *  never silently replaced: a model it does not emulate leaves that adapter out;
 *  bridged/host-only/custom connections start with the cable unplugged. One adapter
 *  (the first present one) is supported. */
export function nicsFromVmx(doc: VmxDocument, file: string, notes: string[]): NicSpec[] {
  const nics: NicSpec[] = [];
  for (const a of readEthernet(doc)) {
    if (!a.present) continue;
    const name = `ethernet${a.index}`;
    if (nics.length) {
      notes.push(`${name}: only one network adapter is supported yet; ${name} is left out`);
      continue;
    }
    const model = a.virtualDev ?? 'e1000';
    if (model !== 'e1000' && model !== 'vmxnet3') {
      notes.push(`${name}.virtualDev = "${model}" is not emulated yet (e1000 and vmxnet3 are); the VM starts without ${name}`);
      continue;
    }
    let mac: string;
    try {
      mac = a.mac ? normalizeMac(a.mac, `${file}: ${a.macKey} =`) : generatedMac();
    } catch (e) {
      throw e instanceof NetUsageError ? new Error(e.message) : e;
    }
    let connection: NicSpec['connection'] = a.startConnected ? 'nat' : 'unplugged';
    if (a.connectionType !== 'nat') {
      notes.push(`${name}.connectionType = "${a.connectionType}" is not supported yet (nat is); ${name} starts unplugged`);
      connection = 'unplugged';
    }
    nics.push({ model, connection, mac, portForwards: [] });
  }
  return nics;
}

export function vmConfigFromVmx(vmxPath: string, opts: { allowExternalDisks?: boolean } = {}, notes: string[] = []): VmConfig {
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
    nics: nicsFromVmx(doc, file, notes),
    display: s.svga.maxWidth && s.svga.maxHeight ? { maxWidth: s.svga.maxWidth, maxHeight: s.svga.maxHeight, vramMiB: 32 } : undefined,
    tools: { syncTime: s.toolsSyncTime ?? true, copyAllowed: !s.isolation.copyDisable, pasteAllowed: !s.isolation.pasteDisable },
    guestInfo: s.guestinfo,
  };
}
