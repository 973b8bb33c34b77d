// Disk/CD units and serial ports in a .vmx (docs/vmx-vmdk.md §4.2):
//   <bus><N>:<U>.present / .deviceType / .fileName / .startConnected   bus = ide|scsi|sata|nvme
//   serial<N>.present / .fileType / .fileName                          N = 0..3
// Sub-keys we do not model (mode, writeThrough, pipe.endPoint…) are left untouched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VmxDocument } from './vmx';
import { VmxError } from './vmxError';
import { badValue, parseBool, setBool, setString } from './vmxValues';

export type DiskBus = 'ide' | 'scsi' | 'sata' | 'nvme';
/** `deviceType`: absent/disk/scsi-hardDisk/ata-hardDisk → disk; cdrom-image = ISO file;
 *  cdrom-raw/atapi-cdrom = host drive; anything else is kept verbatim as `other`. */
export type DiskKind = 'disk' | 'cdrom-image' | 'cdrom-raw' | 'other';

export interface DiskDevice {
  bus: DiskBus;
  controller: number;
  unit: number;
  present: boolean;
  kind: DiskKind;
  /** deviceType as written in the file (or to write for kind `other`). */
  deviceType?: string;
  /** Relative to the .vmx directory, absolute, or `[datastore] path` on ESXi. */
  fileName?: string;
  /** VMware default: TRUE. */
  startConnected: boolean;
}

export interface SerialPort {
  index: number;
  present: boolean;
  /** device | file | pipe | network */
  fileType?: string;
  fileName?: string;
}

// Unit ranges: IDE 2×2; SCSI 4 controllers × 16 units, unit 7 is the controller itself;
// SATA (AHCI) 4 × 30; NVMe 4 × 15.
const LIMITS: Record<DiskBus, { controllers: number; units: number; reserved?: number }> = {
  ide: { controllers: 2, units: 2 },
  scsi: { controllers: 4, units: 16, reserved: 7 },
  sata: { controllers: 4, units: 30 },
  nvme: { controllers: 4, units: 15 },
};

const DEVICE_KEY = /^(ide|scsi|sata|nvme)(\d{1,3}):(\d{1,3})\.(.+)$/i;
const SERIAL_KEY = /^serial(\d{1,3})\.(.+)$/i;

function kindOf(deviceType: string | undefined): DiskKind {
  const t = deviceType?.trim().toLowerCase();
  if (t === undefined || t === 'disk' || t === 'scsi-harddisk' || t === 'ata-harddisk') return 'disk';
  if (t === 'cdrom-image') return 'cdrom-image';
  if (t === 'cdrom-raw' || t === 'atapi-cdrom') return 'cdrom-raw';
  return 'other';
}

const prefixOf = (d: Pick<DiskDevice, 'bus' | 'controller' | 'unit'>) => `${d.bus}${d.controller}:${d.unit}.`;

export function readDevices(doc: VmxDocument): DiskDevice[] {
  const seen = new Map<string, DiskDevice>();
  for (const [key] of doc.entries()) {
    const m = DEVICE_KEY.exec(key);
    if (!m) continue;
    const bus = m[1].toLowerCase() as DiskBus;
    const controller = Number(m[2]);
    const unit = Number(m[3]);
    const lim = LIMITS[bus];
    if (controller >= lim.controllers || unit >= lim.units || unit === lim.reserved) {
      throw badValue(doc, key, `no such ${bus} unit ${controller}:${unit}`);
    }
    const prefix = prefixOf({ bus, controller, unit });
    if (seen.has(prefix)) continue;
    const deviceType = doc.get(prefix + 'deviceType');
    seen.set(prefix, {
      bus,
      controller,
      unit,
      present: parseBool(doc, prefix + 'present') ?? false,
      kind: kindOf(deviceType),
      deviceType,
      fileName: doc.get(prefix + 'fileName'),
      startConnected: parseBool(doc, prefix + 'startConnected') ?? true,
    });
  }
  return [...seen.values()];
}

export function applyDevices(doc: VmxDocument, want: DiskDevice[]): void {
  const wanted = new Set(want.map(prefixOf));
  for (const [key] of doc.entries()) {
    const m = DEVICE_KEY.exec(key);
    if (m && !wanted.has(`${m[1].toLowerCase()}${Number(m[2])}:${Number(m[3])}.`)) doc.delete(key);
  }
  for (const d of want) {
    const lim = LIMITS[d.bus];
    const p = prefixOf(d);
    if (!lim || !Number.isInteger(d.controller) || !Number.isInteger(d.unit) || d.controller < 0 || d.unit < 0 ||
        d.controller >= lim.controllers || d.unit >= lim.units || d.unit === lim.reserved) {
      throw badValue(doc, p + 'present', `no such ${d.bus} unit ${d.controller}:${d.unit}`);
    }
    setBool(doc, p + 'present', d.present, false);
    const cur = doc.get(p + 'deviceType');
    if (d.kind === 'other') setString(doc, p + 'deviceType', d.deviceType);
    else if (kindOf(cur) !== d.kind) doc.set(p + 'deviceType', d.kind);
    setString(doc, p + 'fileName', d.fileName);
    setBool(doc, p + 'startConnected', d.startConnected, true);
  }
}

export function readSerialPorts(doc: VmxDocument): SerialPort[] {
  const seen = new Map<number, SerialPort>();
  for (const [key] of doc.entries()) {
    const m = SERIAL_KEY.exec(key);
    if (!m) continue;
    const index = Number(m[1]);
    if (index > 3) throw badValue(doc, key, `no such serial port ${index} (0..3)`);
    if (seen.has(index)) continue;
    const p = `serial${index}.`;
    seen.set(index, {
      index,
      present: parseBool(doc, p + 'present') ?? false,
      fileType: doc.get(p + 'fileType'),
      fileName: doc.get(p + 'fileName'),
    });
  }
  return [...seen.values()].sort((a, b) => a.index - b.index);
}

export function applySerialPorts(doc: VmxDocument, want: SerialPort[]): void {
  const wanted = new Set(want.map((s) => s.index));
  for (const [key] of doc.entries()) {
    const m = SERIAL_KEY.exec(key);
    if (m && !wanted.has(Number(m[1]))) doc.delete(key);
  }
  for (const s of want) {
    if (!Number.isInteger(s.index) || s.index < 0 || s.index > 3) throw badValue(doc, `serial${s.index}`, 'serial index must be 0..3');
    const p = `serial${s.index}.`;
    setBool(doc, p + 'present', s.present, false);
    setString(doc, p + 'fileType', s.fileType);
    setString(doc, p + 'fileName', s.fileName);
  }
}

/**
 * Turns a device `fileName` into a host path. Relative names resolve against the .vmx
 * directory (doc.file). A Windows absolute path (VM copied from a Windows host) falls back
 * to the same file name beside the .vmx; an ESXi `[datastore] dir/file.vmdk` cannot be
 * resolved here. `key` names the setting in errors.
 */
export function resolveVmxPath(doc: VmxDocument, fileName: string, key: string): string {
  const where = { file: doc.file, line: doc.lineOf(key), key };
  if (/^\[[^\]]*\]/.test(fileName)) {
    throw new VmxError('bad-value', `${key}: ESXi datastore path ${JSON.stringify(fileName)} cannot be opened on this host`, where);
  }
  const dir = path.dirname(path.resolve(doc.file));
  if (/^[A-Za-z]:[\\/]|^\\\\/.test(fileName)) {
    const local = path.join(dir, fileName.split(/[\\/]/).pop()!);
    if (fs.existsSync(local)) return local;
    throw new VmxError('bad-value', `${key}: Windows path ${JSON.stringify(fileName)} not found, nor ${path.basename(local)} beside the .vmx`, where);
  }
  return path.resolve(dir, fileName);
}
