// A VMware VM's settings as its .vmx holds them, in VMware's terms: the one VM model the
// app's editor, the CLI and the VM library share (electron/vmfiles/vmxConfig.ts reads and
// writes it, electron/vmfiles/vmxImport.ts turns it into the VmConfig Vireo runs). Pure
// types and helpers: no Node or DOM modules. Each field names its .vmx key; libvirt
// src/vmx/vmx.c documents the same keys.

/** The storage buses a .vmx names: `<bus><controller>:<unit>.*`. */
export type VmxBus = 'ide' | 'scsi' | 'sata' | 'nvme';

/** `deviceType`: absent/disk/scsi-hardDisk/ata-hardDisk → disk; cdrom-image = ISO file;
 *  cdrom-raw/atapi-cdrom = host drive; anything else is kept verbatim as `other`. */
export type VmxDriveKind = 'disk' | 'cdrom-image' | 'cdrom-raw' | 'other';

export interface DiskDevice {
  bus: VmxBus;
  controller: number;
  unit: number;
  present: boolean;
  kind: VmxDriveKind;
  /** deviceType as written in the file (or to write for kind `other`). */
  deviceType?: string;
  /** Relative to the .vmx directory, absolute, or `[datastore] path` on ESXi. */
  fileName?: string;
  /** VMware default: TRUE. */
  startConnected: boolean;
}

/** `scsiN.*`, `sataN.*`, `nvmeN.*` (IDE has no controller keys). */
export interface StorageController {
  bus: Exclude<VmxBus, 'ide'>;
  index: number;
  present: boolean;
  /** scsiN.virtualDev: lsilogic, lsisas1068, pvscsi, buslogic (lower case). */
  virtualDev?: string;
}

export interface SerialPort {
  index: number;
  present: boolean;
  /** device | file | pipe | network */
  fileType?: string;
  fileName?: string;
}

/** `ethernetN.*`. */
export interface EthernetAdapter {
  index: number;
  present: boolean;
  /** virtualDev as written (lower case), absent when the file names none. */
  virtualDev?: string;
  /** connectionType (lower case); VMware's default when absent is "bridged". */
  connectionType: string;
  startConnected: boolean;
  /** generated | static | vpx (lower case); absent when the file names none. */
  addressType?: string;
  /** The MAC for its addressType (`address` when static, else `generatedAddress`), as written. */
  mac?: string;
}

export interface VmSettings {
  displayName?: string;
  guestOS?: string;
  /** `memsize`, MiB. Absent in the file means VMware's default of 32. */
  memsizeMiB: number;
  numvcpus: number;
  /** `firmware`: absent means BIOS. */
  firmware: 'bios' | 'efi';
  controllers: StorageController[];
  disks: DiskDevice[];
  ethernet: EthernetAdapter[];
  serialPorts: SerialPort[];
  /** `vhv.enable`: expose VT-x/AMD-V to the guest. */
  nestedVirtualization: boolean;
  isolation: {
    copyDisable: boolean; // isolation.tools.copy.disable
    pasteDisable: boolean; // isolation.tools.paste.disable
    /** Every other `isolation.tools.<name>` key, by <name> as written (e.g. "dnd.disable"). */
    other: Record<string, boolean>;
  };
  toolsSyncTime: boolean;
  svga: { maxWidth?: number; maxHeight?: number; vramSizeBytes?: number; autodetect?: boolean };
  /** `guestinfo.<name>` → value, by <name> as written. */
  guestinfo: Record<string, string>;
  /** `log.keepOld` (old vmware-N.log files kept) and `log.rotateSize` (bytes), when set. */
  log?: { keepOld?: number; rotateSize?: number };
}

export const DEFAULT_MEMSIZE_MIB = 32;
/** Vireo runs 1 to 8 vCPUs (native/src/machine/machine.h kMaxCpus). */
export const MAX_VCPUS = 8;

/** VMware's unit ranges: IDE 2 channels × 2; SCSI 4 controllers × 16 units, unit 7 is the
 *  controller itself; SATA (AHCI) 4 × 30; NVMe 4 × 15. */
export const VMX_UNITS: Record<VmxBus, { controllers: number; units: number; reserved?: number }> = {
  ide: { controllers: 2, units: 2 },
  scsi: { controllers: 4, units: 16, reserved: 7 },
  sata: { controllers: 4, units: 30 },
  nvme: { controllers: 4, units: 15 },
};

/** The .vmx device name, e.g. `sata0:1`. */
export function deviceName(d: Pick<DiskDevice, 'bus' | 'controller' | 'unit'>): string {
  return `${d.bus}${d.controller}:${d.unit}`;
}

export function isCdrom(d: Pick<DiskDevice, 'kind'>): boolean {
  return d.kind === 'cdrom-image' || d.kind === 'cdrom-raw';
}

/** The first free unit on `<bus><controller>`, or undefined when it is full. */
export function freeUnit(s: Pick<VmSettings, 'disks'>, bus: VmxBus, controller = 0): number | undefined {
  const lim = VMX_UNITS[bus];
  // IDE: CD-ROMs usually sit on ide1, disks on ide0; any free unit will do.
  for (let unit = 0; unit < lim.units; unit++) {
    if (unit === lim.reserved) continue;
    if (!s.disks.some((d) => d.bus === bus && d.controller === controller && d.unit === unit)) return unit;
  }
  return undefined;
}

/**
 * A new drive on `bus` (the first free unit of its first controller with room; IDE
 * CD-ROMs look on ide1 first, as Workstation puts them), with its controller made present
 * when the .vmx had none. Returns the new settings, or undefined when the bus is full.
 */
export function addDrive(s: VmSettings, bus: VmxBus, kind: 'disk' | 'cdrom-image', fileName: string): VmSettings | undefined {
  const order = [...Array(VMX_UNITS[bus].controllers).keys()];
  if (bus === 'ide' && kind === 'cdrom-image') order.reverse();
  for (const controller of order) {
    const unit = freeUnit(s, bus, controller);
    if (unit === undefined) continue;
    const disk: DiskDevice = {
      bus,
      controller,
      unit,
      present: true,
      kind,
      ...(kind === 'cdrom-image' ? { deviceType: 'cdrom-image' } : {}),
      fileName,
      startConnected: true,
    };
    const controllers = bus === 'ide' ? s.controllers : withController(s.controllers, bus, controller);
    return { ...s, controllers, disks: [...s.disks, disk] };
  }
  return undefined;
}

function withController(list: StorageController[], bus: StorageController['bus'], index: number): StorageController[] {
  const i = list.findIndex((c) => c.bus === bus && c.index === index);
  if (i >= 0) return list[i]!.present ? list : list.map((c, j) => (j === i ? { ...c, present: true } : c));
  return [...list, { bus, index, present: true }];
}

/** VMware's range for static MACs: 00:50:56:00:00:00 to 00:50:56:3f:ff:ff. Others need
 *  `ethernetN.checkMACAddress = "FALSE"` before VMware powers the VM on. */
export function inVmwareStaticRange(mac: string): boolean {
  const m = mac.toLowerCase().replace(/-/g, ':');
  return m.startsWith('00:50:56:') && parseInt(m.slice(9, 11), 16) <= 0x3f;
}
