// Writing the app editor's settings back into a VM's .vmx: VMware's keys, only the keys
// whose value changed (applyConfig), unknown keys and comments byte for byte, one atomic
// replace (writeVmx). Only what the editor edits is taken from the sender (EDITED); the
// rest (display name, serial ports, guestinfo, svga, other isolation keys) stays as the
// file has it, so a page cannot, say, point serial0 at a host file VMware would write. New disks the editor asked for are made first as monolithicSparse
// VMDKs in the VM folder, named as Workstation names a VM's further disks
// (`<vm>-0.vmdk`, `<vm>-1.vmdk`, …), and removed again when the .vmx cannot be written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deviceName, type VmSettings } from '../common/vmxSettings';
import { lockState } from './library';
import { readVmx, writeVmx } from './vmx';
import { applyConfig, vmxToConfig } from './vmxConfig';
import { checkVmSettings, VmSettingsError } from './vmxSettingsCheck';
import { createSparseVmdk } from './vmdk/index';

/** A disk of the new settings that has no file yet: make one of `sizeMiB`. */
export interface NewDisk {
  /** The .vmx device, e.g. `sata0:2`; its DiskDevice in the settings has no fileName. */
  device: string;
  sizeMiB: number;
}

/** 8 TiB, the largest disk Workstation creates. */
export const MAX_NEW_DISK_MIB = 8 * 1024 * 1024;
const MAX_NEW_DISKS = 8;

export interface SaveOptions {
  /** This app's own VM host runs the VM (its lock on the .vmx is ours): write anyway; the
   *  change applies at the next power on. Otherwise a held lock refuses the save. */
  runningHere?: boolean;
}

/** Checks `raw` (untrusted), makes the new disks, writes the .vmx. Returns what was saved. */
export function saveVmxSettings(vmxPath: string, raw: unknown, newDisks: unknown = [], opts: SaveOptions = {}): VmSettings {
  const file = path.resolve(vmxPath);
  const doc = readVmx(file);
  if (!opts.runningHere) {
    const lock = lockState(file);
    if (lock.state === 'running') throw new VmSettingsError([`${file} is in use by ${lock.lockHolder ?? 'another program'}: stop that VM first.`]);
  }
  const edited = checkVmSettings(raw);
  const current = vmxToConfig(doc);
  const settings: VmSettings = {
    ...current,
    memsizeMiB: edited.memsizeMiB,
    numvcpus: edited.numvcpus,
    firmware: edited.firmware,
    controllers: edited.controllers,
    disks: edited.disks,
    ethernet: edited.ethernet,
    nestedVirtualization: edited.nestedVirtualization,
    isolation: { ...current.isolation, copyDisable: edited.isolation.copyDisable, pasteDisable: edited.isolation.pasteDisable },
    toolsSyncTime: edited.toolsSyncTime,
  };
  const wanted = checkNewDisks(newDisks, settings);
  const created: string[] = [];
  try {
    const base = path.basename(file).replace(/\.vmx$/i, '');
    for (const n of wanted) {
      const disk = settings.disks.find((d) => deviceName(d) === n.device)!;
      const name = freeDiskName(path.dirname(file), base);
      // ddb.adapterType: ATA geometry for IDE and SATA, SCSI's otherwise (qemu block/vmdk.c
      // knows ide, buslogic, lsilogic, legacyESX).
      created.push(...createSparseVmdk(path.join(path.dirname(file), name), n.sizeMiB * 2 ** 20, {
        subformat: 'monolithicSparse',
        adapterType: disk.bus === 'ide' || disk.bus === 'sata' ? 'ide' : 'lsilogic',
      }));
      disk.fileName = name;
    }
    applyConfig(doc, settings);
    writeVmx(file, doc);
  } catch (err) {
    for (const f of created) fs.rmSync(f, { force: true });
    throw err;
  }
  return settings;
}

function checkNewDisks(raw: unknown, s: VmSettings): NewDisk[] {
  if (!Array.isArray(raw) || raw.length > MAX_NEW_DISKS) throw new VmSettingsError([`newDisks must be a list of at most ${MAX_NEW_DISKS}.`]);
  const seen = new Set<string>();
  return raw.map((r: unknown) => {
    const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    const device = String(o.device ?? '').slice(0, 16);
    const d = s.disks.find((x) => deviceName(x) === device);
    if (!d || d.kind !== 'disk' || d.fileName !== undefined || seen.has(device)) {
      throw new VmSettingsError([`new disk ${JSON.stringify(device)} must be a hard disk of the settings without a file name.`]);
    }
    seen.add(device);
    const sizeMiB = o.sizeMiB;
    if (typeof sizeMiB !== 'number' || !Number.isInteger(sizeMiB) || sizeMiB < 1 || sizeMiB > MAX_NEW_DISK_MIB) {
      throw new VmSettingsError([`the size of the new disk ${device} must be a whole number of MiB from 1 to ${MAX_NEW_DISK_MIB}.`]);
    }
    return { device, sizeMiB };
  });
}

/** `<base>-N.vmdk` with the lowest N no file (nor lock) in `dir` has. */
function freeDiskName(dir: string, base: string): string {
  for (let n = 0; ; n++) {
    const name = `${base}-${n}.vmdk`;
    if (!fs.existsSync(path.join(dir, name)) && !fs.existsSync(path.join(dir, `${name}.lck`))) return name;
  }
}
