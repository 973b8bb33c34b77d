// Opening a VMware VM: its .vmx (read by vmxConfig.ts into the VM model, VmSettings) as the
// VmConfig Vireo runs. The one importer of the app, the browser host and the CLI.
//
// What Vireo emulates today (native/src/machine/board.cc, electron/common/protocol.ts): PIIX3
// IDE (ide0:0 to ide1:1, disks and ATAPI CD-ROMs), one AHCI controller (sata0, ports 0-29,
// disks and CD-ROMs), one NVMe controller with one namespace (nvme0:0), one network adapter
// (e1000 or vmxnet3, NAT through passt or unplugged), BIOS firmware (SeaBIOS), VMware SVGA
// II. Anything else the .vmx names is listed as "not supported yet: …" in `notices` and the
// VM starts without it; nothing is dropped without a word, nor moved to a device the guest
// would not expect. What Vireo cannot run at all (UEFI, a disk with no file) is in
// `problems`. Each drive keeps its position (ide1:0 stays ide1:0, sata0:1 stays port 1).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generatedMac, NicError, normalizeMac } from '../common/nic';
import type { DiskBusName, DiskSpec, NicSpec, VmConfig } from '../common/protocol';
import { deviceName, MAX_VCPUS, type DiskDevice, type VmSettings } from '../common/vmxSettings';
import { isInside } from './vmdk/fileIo';
import { readVmx, type VmxDocument } from './vmx';
import { resolveVmxPath, vmxToConfig } from './vmxConfig';
import { quoteForMessage } from './vmxError';
import { macKeyOf } from './vmxEthernet';
import { parseBool } from './vmxValues';
import { realOrLexical, vmFolderOf } from './vmxDisks';

/** A disk or CD image the VM would use that lies outside its VM folder. */
export interface VmxExternalFile {
  /** The setting naming it, e.g. `scsi0:0.fileName`. */
  key: string;
  /** Host path as the .vmx names it (resolved against the .vmx folder). */
  path: string;
  /** Real path (symlinks followed); the lexical path when the file does not exist. */
  real: string;
}

export interface VmxImport {
  vmxPath: string;
  settings: VmSettings;
  /** What Vireo runs; `externalDisks` is the caller's to set (what the user allowed). */
  config: VmConfig;
  /** Why the VM cannot start (each names the setting and the remedy); empty when it can. */
  problems: string[];
  /** What the VM starts without, or differently: "not supported yet: …" and the like. */
  notices: string[];
  external: VmxExternalFile[];
}

/** Reads and maps a .vmx; throws VmxError when the file cannot be read or understood. */
export function importVmx(vmxPath: string): VmxImport {
  return importVmxDocument(readVmx(path.resolve(vmxPath)));
}

export function importVmxDocument(doc: VmxDocument): VmxImport {
  const settings = vmxToConfig(doc);
  const problems: string[] = [];
  const notices: string[] = [];
  if (settings.firmware === 'efi') {
    problems.push('not supported yet: UEFI firmware (firmware = "efi"): Vireo boots BIOS VMs through SeaBIOS; set the firmware to BIOS if the guest can boot that way');
  }
  let cpus = settings.numvcpus;
  if (cpus > MAX_VCPUS) {
    notices.push(`not supported yet: ${cpus} vCPUs (numvcpus = "${cpus}"): Vireo runs at most ${MAX_VCPUS}; the VM starts with ${MAX_VCPUS}`);
    cpus = MAX_VCPUS;
  }
  const { disks, external } = mapDrives(doc, settings, problems, notices);
  const nics = mapNics(doc, settings, problems, notices);
  otherDevices(doc, settings, notices);
  const { svga } = settings;
  const config: VmConfig = {
    name: settings.displayName?.trim() || path.basename(doc.file, path.extname(doc.file)),
    memoryMiB: settings.memsizeMiB,
    cpus,
    firmware: 'seabios',
    vmxPath: path.resolve(doc.file),
    disks,
    nics,
    tools: { syncTime: settings.toolsSyncTime, copyAllowed: !settings.isolation.copyDisable, pasteAllowed: !settings.isolation.pasteDisable },
  };
  if (Object.keys(settings.guestinfo).length) config.guestInfo = settings.guestinfo;
  if (svga.maxWidth && svga.maxHeight) {
    config.display = { maxWidth: svga.maxWidth, maxHeight: svga.maxHeight, vramMiB: Math.max(1, Math.ceil((svga.vramSizeBytes ?? 16 << 20) / (1 << 20))) };
  }
  if (settings.nestedVirtualization) config.nestedVirtualization = true;
  const log = settings.log;
  if (log?.keepOld !== undefined || log?.rotateSize) config.log = { keepOld: log?.keepOld, rotateSize: log?.rotateSize || undefined };
  return { vmxPath: config.vmxPath!, settings, config, problems, notices, external };
}

const BUS_ORDER = ['ide', 'sata', 'nvme', 'scsi'];
/** A value from the file, quoted and cut short: it goes to a terminal and the UI. */
const q = (text: string): string => quoteForMessage(text, 80);

function label(d: DiskDevice): string {
  const what = d.kind === 'disk' ? 'disk' : 'CD-ROM';
  return d.fileName ? `${deviceName(d)} (${what} ${q(path.basename(d.fileName.replace(/\\/g, '/')))})` : `${deviceName(d)} (${what})`;
}

/** Where Vireo puts a drive, or why it cannot (a "not supported yet" notice). */
function placement(d: DiskDevice, settings: VmSettings): { bus: DiskBusName; unit: number } | string {
  const controller = settings.controllers.find((c) => c.bus === d.bus && c.index === d.controller);
  switch (d.bus) {
    case 'ide':
      return { bus: 'ide', unit: d.controller * 2 + d.unit };
    case 'sata':
      if (d.controller > 0) return `not supported yet: a second SATA controller (sata${d.controller}; Vireo has sata0); the VM starts without ${label(d)}`;
      return { bus: 'sata', unit: d.unit };
    case 'nvme':
      if (d.controller > 0) return `not supported yet: a second NVMe controller (nvme${d.controller}; Vireo has nvme0); the VM starts without ${label(d)}`;
      if (d.kind !== 'disk') return `not supported yet: a CD-ROM on NVMe; the VM starts without ${label(d)}`;
      if (d.unit > 0) return `not supported yet: a second NVMe disk (Vireo's NVMe controller has one namespace, nvme0:0); the VM starts without ${label(d)}`;
      return { bus: 'nvme', unit: 0 };
    case 'scsi':
      return `not supported yet: SCSI controller scsi${d.controller} (${controller?.virtualDev ? q(controller.virtualDev) : 'no virtualDev'}); the VM starts without ${label(d)}`;
  }
}

function mapDrives(doc: VmxDocument, settings: VmSettings, problems: string[], notices: string[]): { disks: DiskSpec[]; external: VmxExternalFile[] } {
  const folder = vmFolderOf(doc.file);
  const disks: DiskSpec[] = [];
  const external: VmxExternalFile[] = [];
  const drives = [...settings.disks].sort((a, b) => BUS_ORDER.indexOf(a.bus) - BUS_ORDER.indexOf(b.bus) || a.controller - b.controller || a.unit - b.unit);
  for (const d of drives) {
    if (!d.present) continue;
    const name = deviceName(d);
    if (d.bus !== 'ide' && !settings.controllers.some((c) => c.bus === d.bus && c.index === d.controller && c.present)) {
      notices.push(`${name} is left out: its controller ${d.bus}${d.controller} is not present (${d.bus}${d.controller}.present is not TRUE)`);
      continue;
    }
    if (d.kind === 'other') {
      notices.push(`not supported yet: ${name}.deviceType = ${q(d.deviceType ?? '')}; the VM starts without ${name}`);
      continue;
    }
    if (d.kind === 'cdrom-raw') {
      notices.push(`not supported yet: a host CD/DVD drive (${name}.deviceType = ${q(d.deviceType ?? '')}); the guest sees no CD-ROM drive at ${name}`);
      continue;
    }
    const cdrom = d.kind === 'cdrom-image';
    if (cdrom && (!d.startConnected || !d.fileName)) {
      notices.push(`not supported yet: an empty CD-ROM drive (${name} ${d.fileName ? 'is not connected at power on' : 'names no image'}); the guest sees no CD-ROM drive at ${name}`);
      continue;
    }
    if (!cdrom && !d.startConnected) continue; // disconnected as the .vmx says
    const place = placement(d, settings);
    if (typeof place === 'string') {
      notices.push(place);
      continue;
    }
    if (d.fileName === undefined) {
      problems.push(`${name}.fileName is missing: name the disk file of ${name}, or remove ${name}`);
      continue;
    }
    let file: string;
    try {
      file = resolveVmxPath(doc, d.fileName, `${name}.fileName`);
    } catch (err) {
      (cdrom ? notices : problems).push(`${(err as Error).message}${cdrom ? `; the guest sees no CD-ROM drive at ${name}` : ''}`);
      continue;
    }
    if (cdrom && !fs.existsSync(file)) {
      // VMware starts such a VM too and says the drive cannot be connected.
      notices.push(`${name}: the CD image ${q(file)} is not there; the guest sees no CD-ROM drive at ${name}`);
      continue;
    }
    const real = realOrLexical(file);
    if (!isInside(folder, real)) external.push({ key: `${name}.fileName`, path: file, real });
    disks.push({ path: file, kind: cdrom ? 'cdrom' : 'disk', bus: place.bus, unit: place.unit });
  }
  return { disks, external };
}

/** ethernet<N>: the first present adapter Vireo emulates becomes its one NIC. */
function mapNics(doc: VmxDocument, settings: VmSettings, problems: string[], notices: string[]): NicSpec[] {
  const nics: NicSpec[] = [];
  for (const a of settings.ethernet) {
    if (!a.present) continue;
    const name = `ethernet${a.index}`;
    if (nics.length) {
      notices.push(`not supported yet: a second network adapter (${name}; Vireo has one); the VM starts without ${name}`);
      continue;
    }
    const model = a.virtualDev ?? 'e1000';
    if (model !== 'e1000' && model !== 'vmxnet3') {
      notices.push(`not supported yet: ${name}.virtualDev = ${q(model)} (Vireo emulates e1000 and vmxnet3); the VM starts without ${name}`);
      continue;
    }
    let mac: string;
    try {
      mac = a.mac ? normalizeMac(a.mac, `${macKeyOf(doc, a.index)} =`) : generatedMac();
    } catch (e) {
      if (!(e instanceof NicError)) throw e;
      problems.push(e.message);
      continue;
    }
    let connection: NicSpec['connection'] = a.startConnected ? 'nat' : 'unplugged';
    if (a.connectionType !== 'nat') {
      notices.push(`not supported yet: ${name}.connectionType = ${q(a.connectionType)} (NAT is); ${name} starts with its cable unplugged`);
      connection = 'unplugged';
    }
    nics.push({ model, connection, mac, portForwards: [] });
  }
  return nics;
}

/** Devices Vireo has no model of, when the .vmx turns them on. */
function otherDevices(doc: VmxDocument, settings: VmSettings, notices: string[]): void {
  const on = (key: string): boolean => parseBool(doc, key) === true;
  if (on('sound.present')) notices.push(`not supported yet: a sound card (sound.present${doc.get('sound.virtualDev') ? `, ${q(doc.get('sound.virtualDev')!)}` : ''})`);
  const usb = ['usb', 'ehci', 'usb_xhci'].filter((k) => on(`${k}.present`));
  if (usb.length) notices.push(`not supported yet: USB controllers (${usb.map((k) => `${k}.present`).join(', ')})`);
  for (let i = 0; i < 2; i++) if (on(`floppy${i}.present`)) notices.push(`not supported yet: floppy drive floppy${i}`);
  for (let i = 0; i < 3; i++) if (on(`parallel${i}.present`)) notices.push(`not supported yet: parallel port parallel${i}`);
  for (const s of settings.serialPorts) {
    if (!s.present) continue;
    // COM1 (Vireo's 16550) is the serial console of the app and the CLI's terminal.
    notices.push(`not supported yet: serial${s.index} to ${s.fileType ? q(s.fileType) : 'a device'}${s.fileName ? ` ${q(s.fileName)}` : ''} (COM1 is Vireo's serial console)`);
  }
}

