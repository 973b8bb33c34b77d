// Opening a VMware .vmx: read it with electron/vmfiles and map the settings Vireo runs
// today onto a VmConfig (docs/vmx-vmdk.md §4.2). A .vmx VM boots from its disks through
// the BIOS, so it gets SeaBIOS firmware. Electron-free.
import * as path from 'node:path';
import type { VmConfig } from '../common/protocol';
import type { NestedSettings } from '../common/appProtocol';
import { readVmx } from '../vmfiles/vmx';
import { vmxToConfig } from '../vmfiles/vmxConfig';
import { ConfigError } from './configCheck';

export function importVmx(file: string): { config: VmConfig; nested: NestedSettings } {
  const vmxPath = path.resolve(file);
  const s = vmxToConfig(readVmx(vmxPath));
  if (s.firmware === 'efi') throw new ConfigError([`${path.basename(vmxPath)} uses UEFI firmware; Vireo boots BIOS (SeaBIOS) VMs only.`]);
  const config: VmConfig = {
    name: s.displayName?.trim() || path.basename(vmxPath, path.extname(vmxPath)),
    memoryMiB: Math.min(s.memsizeMiB, 65536),
    cpus: Math.min(s.numvcpus, 64),
    firmware: 'seabios',
    vmxPath,
    tools: { syncTime: s.toolsSyncTime, copyAllowed: !s.isolation.copyDisable, pasteAllowed: !s.isolation.pasteDisable },
  };
  if (Object.keys(s.guestinfo).length) config.guestInfo = s.guestinfo;
  if (s.svga.maxWidth && s.svga.maxHeight) {
    config.display = { maxWidth: s.svga.maxWidth, maxHeight: s.svga.maxHeight, vramMiB: Math.max(1, Math.ceil((s.svga.vramSizeBytes ?? 16 << 20) / (1 << 20))) };
  }
  return { config, nested: { exposeVirtualization: s.nestedVirtualization, backdoorFromCpl3: false, l0HandlesL2Backdoor: false } };
}

/** .vmx paths among command-line arguments (flags and other files are ignored). */
export function vmxPathsFromArgv(argv: readonly string[], cwd: string): string[] {
  return argv.filter((a) => !a.startsWith('-') && /\.vmx$/i.test(a)).map((a) => path.resolve(cwd, a));
}
