// Typed view of the .vmx keys Vireo uses, and the way back.
//
// vmxToConfig() reads; applyConfig() writes only keys whose typed value changed, so
// `"true"` stays `"true"` when the setting is still true, and every other key is left alone.
// Key meanings: libvirt src/vmx/vmx.c (its mapping comment); the model: electron/common/vmxSettings.ts.
import { DEFAULT_MEMSIZE_MIB, type VmSettings } from '../common/vmxSettings';
import { VmxDocument } from './vmx';
import { quoteForMessage } from './vmxError';
import { escapePercent, unescapePercent } from './vmxEncoding';
import { applyControllers, applyDevices, applySerialPorts, readControllers, readDevices, readSerialPorts } from './vmxDevices';
import { applyEthernet, readEthernet } from './vmxEthernet';
import { badValue, parseBool, parseInt32, setBool, setNumber, setString } from './vmxValues';

export type { DiskDevice, EthernetAdapter, SerialPort, StorageController, VmSettings, VmxBus, VmxDriveKind } from '../common/vmxSettings';
export { DEFAULT_MEMSIZE_MIB } from '../common/vmxSettings';
export { resolveVmxPath } from './vmxDevices';

const ISOLATION = 'isolation.tools.';
const GUESTINFO = 'guestinfo.';

export function vmxToConfig(doc: VmxDocument): VmSettings {
  const firmware = doc.get('firmware');
  if (firmware !== undefined && !/^(efi|bios)$/i.test(firmware.trim())) {
    throw badValue(doc, 'firmware', `expected "efi" or "bios", got ${quoteForMessage(firmware)}`);
  }
  const other: Record<string, boolean> = {};
  for (const key of doc.keysWithPrefix(ISOLATION)) {
    const name = key.slice(ISOLATION.length);
    const l = name.toLowerCase();
    if (l === 'copy.disable' || l === 'paste.disable') continue;
    other[name] = parseBool(doc, key)!;
  }
  const guestinfo: Record<string, string> = {};
  for (const key of doc.keysWithPrefix(GUESTINFO)) guestinfo[key.slice(GUESTINFO.length)] = doc.get(key)!;
  const displayName = doc.get('displayName');
  return {
    displayName: displayName === undefined ? undefined : unescapePercent(displayName),
    guestOS: doc.get('guestOS'),
    // memsize: MB, multiple of 4 per libvirt; we accept any size up to 16 TiB.
    memsizeMiB: parseInt32(doc, 'memsize', 1, 16 * 1024 * 1024) ?? DEFAULT_MEMSIZE_MIB,
    numvcpus: parseInt32(doc, 'numvcpus', 1, 768) ?? 1,
    firmware: firmware?.trim().toLowerCase() === 'efi' ? 'efi' : 'bios',
    controllers: readControllers(doc),
    disks: readDevices(doc),
    ethernet: readEthernet(doc),
    serialPorts: readSerialPorts(doc),
    nestedVirtualization: parseBool(doc, 'vhv.enable') ?? false,
    isolation: {
      copyDisable: parseBool(doc, 'isolation.tools.copy.disable') ?? false,
      pasteDisable: parseBool(doc, 'isolation.tools.paste.disable') ?? false,
      other,
    },
    toolsSyncTime: parseBool(doc, 'tools.syncTime') ?? false,
    svga: {
      maxWidth: parseInt32(doc, 'svga.maxWidth', 1, 65535),
      maxHeight: parseInt32(doc, 'svga.maxHeight', 1, 65535),
      vramSizeBytes: parseInt32(doc, 'svga.vramSize', 0, 0x7fffffff),
      autodetect: parseBool(doc, 'svga.autodetect'),
    },
    guestinfo,
    log: { keepOld: parseInt32(doc, 'log.keepOld', 0, 1000), rotateSize: parseInt32(doc, 'log.rotateSize', 0, 0x7fffffff) },
  };
}

/** Writes `settings` into `doc`, touching only keys whose typed value differs. */
export function applyConfig(doc: VmxDocument, s: VmSettings): void {
  setString(doc, 'displayName', s.displayName === undefined ? undefined : escapePercent(s.displayName), unescapePercent);
  setString(doc, 'guestOS', s.guestOS);
  setNumber(doc, 'memsize', s.memsizeMiB, DEFAULT_MEMSIZE_MIB);
  setNumber(doc, 'numvcpus', s.numvcpus, 1);
  // libvirt: absent firmware means BIOS; keep an explicit "bios" if the file has one.
  const fw = doc.get('firmware')?.trim().toLowerCase() === 'efi' ? 'efi' : 'bios';
  if (fw !== s.firmware) {
    if (s.firmware === 'efi') doc.set('firmware', 'efi');
    else doc.delete('firmware');
  }
  applyControllers(doc, s.controllers);
  applyDevices(doc, s.disks);
  applyEthernet(doc, s.ethernet);
  applySerialPorts(doc, s.serialPorts);
  setBool(doc, 'vhv.enable', s.nestedVirtualization, false);
  setBool(doc, 'isolation.tools.copy.disable', s.isolation.copyDisable, false);
  setBool(doc, 'isolation.tools.paste.disable', s.isolation.pasteDisable, false);
  syncMap(doc, ISOLATION, s.isolation.other, (k) => !/^(copy|paste)\.disable$/i.test(k),
    (k, v) => setBool(doc, k, v, undefined));
  setBool(doc, 'tools.syncTime', s.toolsSyncTime, false);
  setNumber(doc, 'svga.maxWidth', s.svga.maxWidth);
  setNumber(doc, 'svga.maxHeight', s.svga.maxHeight);
  setNumber(doc, 'svga.vramSize', s.svga.vramSizeBytes);
  setBool(doc, 'svga.autodetect', s.svga.autodetect, undefined);
  syncMap(doc, GUESTINFO, s.guestinfo, () => true, (k, v) => doc.set(k, v));
}

function syncMap<T>(doc: VmxDocument, prefix: string, want: Record<string, T>, owned: (name: string) => boolean,
  write: (key: string, v: T) => void): void {
  const wantLower = new Map(Object.entries(want).map(([k, v]) => [k.toLowerCase(), v] as const));
  for (const key of doc.keysWithPrefix(prefix)) {
    const name = key.slice(prefix.length);
    if (owned(name) && !wantLower.has(name.toLowerCase())) doc.delete(key);
  }
  for (const [name, v] of Object.entries(want)) {
    if (!owned(name)) continue;
    const existing = doc.keysWithPrefix(prefix + name).find((k) => k.length === prefix.length + name.length);
    write(existing ?? prefix + name, v);
  }
}
