// VmSettings from an untrusted sender (the app's renderer): a fresh copy holding only the
// fields the model has, each checked for type, length and range, before applyConfig writes
// any of it into a .vmx. Unit ranges are applyConfig's (vmxDevices.ts); this file makes
// sure nothing odd reaches it: no control characters in names, no huge lists or values.
import { normalizeMac, NicError } from '../common/nic';
import type { DiskDevice, EthernetAdapter, SerialPort, StorageController, VmSettings, VmxBus, VmxDriveKind } from '../common/vmxSettings';

export class VmSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join(' '));
    this.name = 'VmSettingsError';
  }
}

const MAX_TEXT = 4096;
const MAX_GUESTINFO_KEYS = 256;
const MAX_GUESTINFO_VALUE = 64 * 1024;
/** A key suffix as vmx.ts accepts keys (no space, `=`, `"`, `#`), and no controls. */
// eslint-disable-next-line no-control-regex
const NAME = /^[^\s="#\u0000-\u001f\u007f]{1,128}$/;
const WORD = /^[A-Za-z0-9_-]{1,64}$/;
const BUSES: readonly VmxBus[] = ['ide', 'scsi', 'sata', 'nvme'];
const KINDS: readonly VmxDriveKind[] = ['disk', 'cdrom-image', 'cdrom-raw', 'other'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: string[] = [];

  fail(what: string, why: string): undefined {
    if (this.problems.length < 20) this.problems.push(`${what} ${why}.`);
    return undefined;
  }

  int(v: unknown, what: string, min: number, max: number): number {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    this.fail(what, `must be a whole number from ${min} to ${max}`);
    return min;
  }

  optInt(v: unknown, what: string, min: number, max: number): number | undefined {
    return v === undefined ? undefined : this.int(v, what, min, max);
  }

  bool(v: unknown, what: string): boolean {
    if (typeof v === 'boolean') return v;
    this.fail(what, 'must be true or false');
    return false;
  }

  /** Text without control characters, at most `max` characters. */
  text(v: unknown, what: string, max = MAX_TEXT): string | undefined {
    if (v === undefined) return undefined;
    // eslint-disable-next-line no-control-regex
    if (typeof v === 'string' && v.length <= max && !/[\u0000-\u001f\u007f]/.test(v)) return v;
    return this.fail(what, `must be text of at most ${max} characters without control characters`);
  }

  pattern(v: unknown, what: string, re: RegExp): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string' && re.test(v)) return v;
    return this.fail(what, `is not a valid value`);
  }

  list<T>(v: unknown, what: string, max: number, item: (o: Obj, what: string) => T): T[] {
    if (!Array.isArray(v) || v.length > max) {
      this.fail(what, `must be a list of at most ${max}`);
      return [];
    }
    return v.map((o, i) => item(isObj(o) ? o : {}, `${what}[${i}]`));
  }

  obj(v: unknown, what: string): Obj {
    if (isObj(v)) return v;
    this.fail(what, 'must be an object');
    return {};
  }
}

function controller(c: Checker, o: Obj, what: string): StorageController {
  const bus = o.bus === 'scsi' || o.bus === 'sata' || o.bus === 'nvme' ? o.bus : (c.fail(`${what}.bus`, 'must be scsi, sata or nvme') ?? 'sata');
  const virtualDev = c.pattern(o.virtualDev, `${what}.virtualDev`, WORD);
  return { bus, index: c.int(o.index, `${what}.index`, 0, 3), present: c.bool(o.present, `${what}.present`), ...(virtualDev !== undefined ? { virtualDev } : {}) };
}

function disk(c: Checker, o: Obj, what: string): DiskDevice {
  const bus = BUSES.includes(o.bus as VmxBus) ? (o.bus as VmxBus) : (c.fail(`${what}.bus`, 'must be ide, scsi, sata or nvme') ?? 'ide');
  const kind = KINDS.includes(o.kind as VmxDriveKind) ? (o.kind as VmxDriveKind) : (c.fail(`${what}.kind`, 'is not a drive kind') ?? 'disk');
  const d: DiskDevice = {
    bus,
    controller: c.int(o.controller, `${what}.controller`, 0, 3),
    unit: c.int(o.unit, `${what}.unit`, 0, 29),
    present: c.bool(o.present, `${what}.present`),
    kind,
    startConnected: c.bool(o.startConnected, `${what}.startConnected`),
  };
  const deviceType = c.pattern(o.deviceType, `${what}.deviceType`, WORD);
  if (deviceType !== undefined) d.deviceType = deviceType;
  const fileName = c.text(o.fileName, `${what}.fileName`);
  if (fileName !== undefined) d.fileName = fileName;
  return d;
}

function adapter(c: Checker, o: Obj, what: string): EthernetAdapter {
  const a: EthernetAdapter = {
    index: c.int(o.index, `${what}.index`, 0, 9),
    present: c.bool(o.present, `${what}.present`),
    connectionType: c.pattern(o.connectionType, `${what}.connectionType`, WORD) ?? 'nat',
    startConnected: c.bool(o.startConnected, `${what}.startConnected`),
  };
  const virtualDev = c.pattern(o.virtualDev, `${what}.virtualDev`, WORD);
  if (virtualDev !== undefined) a.virtualDev = virtualDev.toLowerCase();
  if (o.addressType !== undefined) {
    if (o.addressType === 'generated' || o.addressType === 'static' || o.addressType === 'vpx') a.addressType = o.addressType;
    else c.fail(`${what}.addressType`, 'must be generated, static or vpx');
  }
  if (o.mac !== undefined) {
    try {
      a.mac = normalizeMac(String(o.mac), `${what}.mac`);
    } catch (e) {
      if (!(e instanceof NicError)) throw e;
      c.fail(`${what}.mac`, 'is not a MAC address (six hex bytes like 00:50:56:12:34:56)');
    }
  }
  return a;
}

function serial(c: Checker, o: Obj, what: string): SerialPort {
  const s: SerialPort = { index: c.int(o.index, `${what}.index`, 0, 3), present: c.bool(o.present, `${what}.present`) };
  const fileType = c.pattern(o.fileType, `${what}.fileType`, WORD);
  if (fileType !== undefined) s.fileType = fileType;
  const fileName = c.text(o.fileName, `${what}.fileName`);
  if (fileName !== undefined) s.fileName = fileName;
  return s;
}

function boolMap(c: Checker, v: unknown, what: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const entries = Object.entries(c.obj(v, what));
  if (entries.length > 64) c.fail(what, 'has more than 64 entries');
  for (const [k, b] of entries.slice(0, 64)) if (c.pattern(k, `${what} key`, NAME) !== undefined) out[k] = c.bool(b, `${what}.${k}`);
  return out;
}

function guestinfo(c: Checker, v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = Object.entries(c.obj(v, 'guestinfo'));
  if (entries.length > MAX_GUESTINFO_KEYS) c.fail('guestinfo', `has more than ${MAX_GUESTINFO_KEYS} variables`);
  for (const [k, val] of entries.slice(0, MAX_GUESTINFO_KEYS)) {
    if (c.pattern(k, 'guestinfo name', NAME) === undefined) continue;
    // Values may hold newlines (cloud-init data): the writer escapes them as |0A.
    if (typeof val === 'string' && val.length <= MAX_GUESTINFO_VALUE) out[k] = val;
    else c.fail(`guestinfo.${k}`, `must be text of at most ${MAX_GUESTINFO_VALUE} characters`);
  }
  return out;
}

/** A clean VmSettings, or VmSettingsError listing what is wrong. */
export function checkVmSettings(raw: unknown): VmSettings {
  const c = new Checker();
  const o = c.obj(raw, 'settings');
  const isolation = c.obj(o.isolation, 'isolation');
  const svga = c.obj(o.svga, 'svga');
  const firmware = o.firmware === 'bios' || o.firmware === 'efi' ? o.firmware : (c.fail('firmware', 'must be bios or efi') ?? 'bios');
  const s: VmSettings = {
    memsizeMiB: c.int(o.memsizeMiB, 'memsizeMiB', 1, 16 * 1024 * 1024),
    numvcpus: c.int(o.numvcpus, 'numvcpus', 1, 768),
    firmware,
    controllers: c.list(o.controllers, 'controllers', 12, (x, w) => controller(c, x, w)),
    disks: c.list(o.disks, 'disks', 4 * 30 * 4, (x, w) => disk(c, x, w)),
    ethernet: c.list(o.ethernet, 'ethernet', 10, (x, w) => adapter(c, x, w)),
    serialPorts: c.list(o.serialPorts, 'serialPorts', 4, (x, w) => serial(c, x, w)),
    nestedVirtualization: c.bool(o.nestedVirtualization, 'nestedVirtualization'),
    isolation: {
      copyDisable: c.bool(isolation.copyDisable, 'isolation.copyDisable'),
      pasteDisable: c.bool(isolation.pasteDisable, 'isolation.pasteDisable'),
      other: boolMap(c, isolation.other, 'isolation.other'),
    },
    toolsSyncTime: c.bool(o.toolsSyncTime, 'toolsSyncTime'),
    svga: {},
    guestinfo: guestinfo(c, o.guestinfo),
  };
  const displayName = c.text(o.displayName, 'displayName', 200);
  if (displayName !== undefined) s.displayName = displayName;
  const guestOS = c.pattern(o.guestOS, 'guestOS', WORD);
  if (guestOS !== undefined) s.guestOS = guestOS;
  const maxWidth = c.optInt(svga.maxWidth, 'svga.maxWidth', 1, 65535);
  const maxHeight = c.optInt(svga.maxHeight, 'svga.maxHeight', 1, 65535);
  const vramSizeBytes = c.optInt(svga.vramSizeBytes, 'svga.vramSizeBytes', 0, 0x7fffffff);
  if (maxWidth !== undefined) s.svga.maxWidth = maxWidth;
  if (maxHeight !== undefined) s.svga.maxHeight = maxHeight;
  if (vramSizeBytes !== undefined) s.svga.vramSizeBytes = vramSizeBytes;
  if (svga.autodetect !== undefined) s.svga.autodetect = c.bool(svga.autodetect, 'svga.autodetect');
  if (c.problems.length) throw new VmSettingsError(c.problems);
  return s;
}
