// Disk/CD units, storage controllers and serial ports in a .vmx (libvirt src/vmx/vmx.c):
//   <bus><N>:<U>.present / .deviceType / .fileName / .startConnected   bus = ide|scsi|sata|nvme
//   <bus><N>.present / .virtualDev                                     bus = scsi|sata|nvme
//   serial<N>.present / .fileType / .fileName                          N = 0..3
// Sub-keys we do not model (mode, writeThrough, pciSlotNumber, pipe.endPoint…) are left untouched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VMX_UNITS, type DiskDevice, type SerialPort, type StorageController, type VmxBus, type VmxDriveKind } from '../common/vmxSettings';
import { VmxDocument } from './vmx';
import { VmxError } from './vmxError';
import { badValue, parseBool, setBool, setString } from './vmxValues';

export type { DiskDevice, SerialPort, StorageController } from '../common/vmxSettings';

const LIMITS = VMX_UNITS;

const DEVICE_KEY = /^(ide|scsi|sata|nvme)(\d{1,3}):(\d{1,3})\.(.+)$/i;
const CONTROLLER_KEY = /^(scsi|sata|nvme)(\d{1,3})\.(.+)$/i;
const SERIAL_KEY = /^serial(\d{1,3})\.(.+)$/i;

function kindOf(deviceType: string | undefined): VmxDriveKind {
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
    const bus = m[1].toLowerCase() as VmxBus;
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

export function readControllers(doc: VmxDocument): StorageController[] {
  const seen = new Map<string, StorageController>();
  for (const [key] of doc.entries()) {
    const m = CONTROLLER_KEY.exec(key);
    if (!m) continue;
    const bus = m[1].toLowerCase() as StorageController['bus'];
    const index = Number(m[2]);
    if (index >= LIMITS[bus].controllers) throw badValue(doc, key, `no such ${bus} controller ${index} (0..${LIMITS[bus].controllers - 1})`);
    const p = `${bus}${index}.`;
    if (seen.has(p)) continue;
    const virtualDev = doc.get(p + 'virtualDev')?.trim().toLowerCase();
    seen.set(p, { bus, index, present: parseBool(doc, p + 'present') ?? false, ...(virtualDev !== undefined ? { virtualDev } : {}) });
  }
  return [...seen.values()];
}

/** Controllers not in `want` lose their own keys (`scsi0.*`, not the units'); the others
 *  get present/virtualDev written where they changed. */
export function applyControllers(doc: VmxDocument, want: StorageController[]): void {
  const wanted = new Set(want.map((c) => `${c.bus}${c.index}`));
  for (const [key] of doc.entries()) {
    const m = CONTROLLER_KEY.exec(key);
    if (m && !wanted.has(`${m[1].toLowerCase()}${Number(m[2])}`)) doc.delete(key);
  }
  for (const c of want) {
    const lim = LIMITS[c.bus];
    if (c.bus === ('ide' as string) || !lim || !Number.isInteger(c.index) || c.index < 0 || c.index >= lim.controllers) {
      throw badValue(doc, `${c.bus}${c.index}.present`, `no such controller ${c.bus}${c.index}`);
    }
    const p = `${c.bus}${c.index}.`;
    setBool(doc, p + 'present', c.present, false);
    setString(doc, p + 'virtualDev', c.virtualDev, (v) => v.trim().toLowerCase());
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
