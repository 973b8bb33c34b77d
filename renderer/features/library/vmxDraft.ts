// The .vmx editor's form <-> the VM model (VmSettings, electron/common/vmxSettings.ts).
// The form holds a working copy of the settings the .vmx had when the editor opened, plus
// the text of the number fields; each edit is a pure function returning a new form. Checks
// here are for quick feedback; main checks everything again (vmfiles/vmxSettingsCheck.ts).
import { generatedMac, normalizeMac } from '../../../electron/common/nic';
import {
  addDrive,
  deviceName,
  MAX_VCPUS,
  type DiskDevice,
  type EthernetAdapter,
  type VmSettings,
  type VmxBus,
} from '../../../electron/common/vmxSettings';
import type { LibraryEntry, NestedSettings, NewDiskRequest } from '../../../electron/common/appProtocol';

export interface VmxForm {
  /** The settings as edited so far (drives, network adapter, clipboard, nesting, firmware). */
  settings: VmSettings;
  /** What the .vmx had when the editor opened: a value left alone is never re-checked. */
  base: VmSettings;
  memoryMiB: string;
  cpus: string;
  /** New disks (no file yet) by device, with the size the user typed in GiB. */
  newDisks: Record<string, string>;
  /** The MAC field of the network adapter; empty = generated at power on. */
  mac: string;
  nested: NestedSettings;
}

export interface VmxDraft {
  settings: VmSettings;
  nested: NestedSettings;
  newDisks: NewDiskRequest[];
}

const clone = (s: VmSettings): VmSettings => structuredClone(s);

export function formFromVmxEntry(e: LibraryEntry & { vmx: VmSettings }): VmxForm {
  return {
    settings: clone(e.vmx),
    base: clone(e.vmx),
    memoryMiB: String(e.vmx.memsizeMiB),
    cpus: String(e.vmx.numvcpus),
    newDisks: {},
    mac: nicOf(e.vmx)?.mac ?? '',
    nested: { ...e.nested, exposeVirtualization: e.vmx.nestedVirtualization },
  };
}

/** The adapter the editor shows: the first present one (the one Vireo runs). */
export function nicOf(s: VmSettings): EthernetAdapter | undefined {
  return s.ethernet.find((a) => a.present);
}

export function setSettings(f: VmxForm, patch: Partial<VmSettings>): VmxForm {
  return { ...f, settings: { ...f.settings, ...patch } };
}

export function removeDrive(f: VmxForm, device: string): VmxForm {
  const newDisks = { ...f.newDisks };
  delete newDisks[device];
  return { ...f, settings: { ...f.settings, disks: f.settings.disks.filter((d) => deviceName(d) !== device) }, newDisks };
}

export function updateDrive(f: VmxForm, device: string, patch: Partial<Pick<DiskDevice, 'fileName' | 'startConnected'>>): VmxForm {
  return { ...f, settings: { ...f.settings, disks: f.settings.disks.map((d) => (deviceName(d) === device ? { ...d, ...patch } : d)) } };
}

/**
 * Adds a drive on `bus`: an existing disk or ISO (`fileName`), or a new disk of `sizeGiB`
 * (made by main when the settings are saved). Returns the form and the new device, or a
 * problem when the bus has no free unit.
 */
export function addFormDrive(
  f: VmxForm,
  bus: VmxBus,
  what: { kind: 'disk' | 'cdrom-image'; fileName: string } | { kind: 'new-disk'; sizeGiB: string },
): { form: VmxForm; device: string } | string {
  const kind = what.kind === 'new-disk' ? 'disk' : what.kind;
  const next = addDrive(f.settings, bus, kind, what.kind === 'new-disk' ? '' : what.fileName);
  if (!next) return `${bus.toUpperCase()} has no free unit.`;
  const added = next.disks[next.disks.length - 1]!;
  const device = deviceName(added);
  if (what.kind !== 'new-disk') return { form: { ...f, settings: next }, device };
  delete added.fileName;
  return { form: { ...f, settings: next, newDisks: { ...f.newDisks, [device]: what.sizeGiB } }, device };
}

/** The network adapter on or off; a new one is a NAT e1000 with a generated MAC, as
 *  Workstation adds it. */
export function setNicPresent(f: VmxForm, present: boolean): VmxForm {
  const nic = nicOf(f.settings);
  if (!present) return { ...f, settings: { ...f.settings, ethernet: f.settings.ethernet.filter((a) => a !== nic) } };
  if (nic) return f;
  const used = new Set(f.settings.ethernet.map((a) => a.index));
  const index = [...Array(10).keys()].find((i) => !used.has(i)) ?? 0;
  const mac = generatedMac();
  const adapter: EthernetAdapter = { index, present: true, virtualDev: 'e1000', connectionType: 'nat', startConnected: true, addressType: 'generated', mac };
  return { ...f, settings: { ...f.settings, ethernet: [...f.settings.ethernet, adapter] }, mac };
}

export function updateNic(f: VmxForm, patch: Partial<Pick<EthernetAdapter, 'virtualDev' | 'connectionType' | 'startConnected'>>): VmxForm {
  const nic = nicOf(f.settings);
  if (!nic) return f;
  return { ...f, settings: { ...f.settings, ethernet: f.settings.ethernet.map((a) => (a === nic ? { ...a, ...patch } : a)) } };
}

const GIB = 1024;

/** The settings to save, or the problems to show next to the form. */
export function vmxDraftFromForm(f: VmxForm): VmxDraft | string[] {
  const problems: string[] = [];
  const settings = clone(f.settings);
  const memory = Number(f.memoryMiB);
  if (memory !== f.base.memsizeMiB) {
    // VMware: memsize is a multiple of 4 MB; Vireo's machine needs at least 16 MiB.
    if (!Number.isInteger(memory) || memory < 16 || memory % 4) problems.push('Memory must be a whole number of MiB, at least 16 and a multiple of 4.');
    else settings.memsizeMiB = memory;
  }
  const cpus = Number(f.cpus);
  if (cpus !== f.base.numvcpus) {
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_VCPUS) problems.push(`vCPUs must be from 1 to ${MAX_VCPUS}.`);
    else settings.numvcpus = cpus;
  }
  const newDisks: NewDiskRequest[] = [];
  for (const d of settings.disks) {
    const device = deviceName(d);
    const size = f.newDisks[device];
    if (size !== undefined) {
      const sizeMiB = Math.round(Number(size) * GIB);
      if (!Number.isFinite(sizeMiB) || sizeMiB < 1) problems.push(`New disk ${device}: give its size in GiB, e.g. 20 or 0.5.`);
      else newDisks.push({ device, sizeMiB });
    } else if (d.present && (d.kind === 'disk' || d.kind === 'cdrom-image') && !d.fileName?.trim()) {
      problems.push(`${device} needs a file (${d.kind === 'disk' ? 'a VMDK' : 'an ISO image'}), or remove it.`);
    } else if (d.fileName !== undefined) {
      d.fileName = d.fileName.trim();
    }
  }
  const nic = settings.ethernet.find((a) => a.present);
  if (nic) {
    const typed = f.mac.trim();
    const before = f.base.ethernet.find((a) => a.index === nic.index);
    if (typed && typed.toLowerCase() !== (before?.mac ?? '').toLowerCase() && typed.toLowerCase() !== (nic.mac ?? '').toLowerCase()) {
      try {
        nic.mac = normalizeMac(typed, 'MAC address');
        nic.addressType = 'static'; // a MAC the user chose, as Workstation's "Advanced" dialog writes it
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }
  }
  settings.nestedVirtualization = f.nested.exposeVirtualization;
  if (problems.length) return problems;
  return { settings, nested: f.nested, newDisks };
}
