// Every request that enters the VM host passes here first (vmHostMain.ts: from the parent
// and from each window port): the message came over IPC from another process, possibly a
// compromised page, so its shape is checked, not cast. A good request comes back as a
// clean copy holding only the fields HostRequest names; a bad one as one line saying
// what is wrong, which the host reports and then carries on.
//
// What is checked here: types, known kinds and names, and that numbers are whole and small
// enough to reach the addon unchanged (it reads counts as uint32, memory as a double, see
// native/src/addon/vm_wrap.cc). What this host and machine can do (vCPUs KVM offers, guest
// memory, disk files) is judged where it is done, with the remedy in the message.
import { normalizeMac, NicError } from '../common/nic';
import type { DiskSpec, HostEvent, HostRequest, NicSpec, PortForward, VmConfig } from '../common/protocol';
import { MAX_VALUE_LENGTH } from './controlServer';
import { MAX_KEY_LENGTH } from './tools/guestInfo';

/** Linux PATH_MAX (include/uapi/linux/limits.h); the app's config check allows as much. */
const MAX_PATH = 4096;
/** Names, DOM key codes, guestinfo keys and the like: far above any real one. */
const MAX_NAME = 4096;
/** Free text the guest or the user supplies (kernel command line, clipboard): 1 Mi chars. */
const MAX_TEXT = 1 << 20;
/** One serial-in chunk: a large paste into the console, with room to spare. */
const MAX_SERIAL_IN = 16 << 20;
/** Lists (disks, NICs, allowed files, guestinfo keys): far above any VM's. */
const MAX_LIST = 65536;
const MAX_UINT32 = 0xffff_ffff;
/** memoryMiB * 2^20 must stay an exact double: at most 2^33 MiB (8 PiB). */
const MAX_MEMORY_MIB = 2 ** 33;
/** Guest screen coordinates and sizes, the DOM button mask (MouseEvent.buttons, 5 bits) and
 *  NIC indexes: 16 bits is far above any of them. */
const MAX_U16 = 0xffff;

class Bad extends Error {}

/** Checks one value; `what` names it in the message (`pointer.x`, `start.config.disks[0].path`). */
type Check<T> = (v: unknown, what: string) => T;
/** One check per field of T: a field added to T does not compile until it is checked here. */
type Fields<T> = { [K in keyof T]-?: Check<T[K]> };

const bool: Check<boolean> = (v, what) => {
  if (typeof v !== 'boolean') throw new Bad(`${what} must be true or false`);
  return v;
};

const int = (min: number, max: number): Check<number> => (v, what) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Bad(`${what} must be a whole number from ${min} to ${max}`);
  return v;
};

const text = (max: number, min = 0): Check<string> => (v, what) => {
  if (typeof v !== 'string' || v.length < min || v.length > max) throw new Bad(`${what} must be text of ${min ? `${min} to ` : 'at most '}${max} characters`);
  return v;
};

const oneOf = <T extends string>(...allowed: T[]): Check<T> => (v, what) => {
  if (typeof v !== 'string' || !(allowed as string[]).includes(v)) throw new Bad(`${what} must be one of ${allowed.join(', ')}`);
  return v as T;
};

const absPath: Check<string> = (v, what) => {
  if (typeof v !== 'string' || !v.startsWith('/') || v.length > MAX_PATH || v.includes('\0')) throw new Bad(`${what} must be an absolute path`);
  return v;
};

const bytes = (max: number): Check<Uint8Array> => (v, what) => {
  if (!(v instanceof Uint8Array) || v.length > max) throw new Bad(`${what} must be bytes (a Uint8Array of at most ${max})`);
  return v;
};

const optional = <T>(check: Check<T>): Check<T | undefined> => (v, what) => (v === undefined ? undefined : check(v, what));

const listOf = <T>(check: Check<T>): Check<T[]> => (v, what) => {
  if (!Array.isArray(v) || v.length > MAX_LIST) throw new Bad(`${what} must be a list of at most ${MAX_LIST} items`);
  return v.map((item, i) => check(item, `${what}[${i}]`));
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A clean copy of an object holding the checked fields only (undefined ones left out). */
const record = <T>(fields: Fields<T>): Check<T> => (v, what) => {
  if (!isObject(v)) throw new Bad(`${what} must be an object`);
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as (keyof T & string)[]) {
    const value = fields[key](v[key], `${what}.${key}`);
    if (value !== undefined) out[key] = value;
  }
  return out as T;
};

const guestInfo: Check<Record<string, string>> = (v, what) => {
  if (!isObject(v)) throw new Bad(`${what} must be an object`);
  const entries = Object.entries(v);
  if (entries.length > MAX_LIST) throw new Bad(`${what} must have at most ${MAX_LIST} keys`);
  for (const [key, value] of entries) {
    if (key.length > MAX_NAME || typeof value !== 'string') throw new Bad(`${what} must map keys of at most ${MAX_NAME} characters to text`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
};

const mac: Check<string> = (v, what) => {
  try {
    return normalizeMac(text(64)(v, what), what);
  } catch (err) {
    throw err instanceof NicError ? new Bad(err.message) : err;
  }
};

const portForward = record<PortForward>({ protocol: oneOf('tcp', 'udp'), hostPort: int(1, 65535), guestPort: int(1, 65535) });

const nic = record<NicSpec>({
  model: oneOf('e1000', 'vmxnet3'),
  connection: oneOf('nat', 'unplugged'),
  mac,
  portForwards: optional(listOf(portForward)),
});

const disk = record<DiskSpec>({
  path: absPath,
  kind: oneOf('disk', 'cdrom'),
  bus: optional(oneOf('ide', 'virtio', 'sata', 'nvme')),
  unit: optional(int(0, 29)),
  readOnly: optional(bool),
});

const vmConfig = record<VmConfig>({
  name: text(MAX_NAME),
  memoryMiB: int(1, MAX_MEMORY_MIB),
  cpus: int(1, MAX_UINT32),
  kernel: optional(absPath),
  initrd: optional(absPath),
  append: optional(text(MAX_TEXT)),
  firmware: oneOf('none', 'seabios'),
  firmwarePath: optional(absPath),
  vmxPath: optional(absPath),
  externalDisks: optional(listOf(absPath)),
  noReboot: optional(bool),
  nestedVirtualization: optional(bool),
  log: optional(record({ keepOld: optional(int(0, 1000)), rotateSize: optional(int(1, MAX_UINT32)) })),
  display: optional(record({ maxWidth: int(1, MAX_UINT32), maxHeight: int(1, MAX_UINT32), vramMiB: int(0, MAX_UINT32) })),
  tools: optional(record({ syncTime: bool, copyAllowed: bool, pasteAllowed: bool })),
  guestInfo: optional(guestInfo),
  disks: optional(listOf(disk)),
  nics: optional(listOf(nic)),
  screenshotOnStop: optional(absPath),
});

type Body<K extends HostRequest['kind']> = Omit<Extract<HostRequest, { kind: K }>, 'kind' | 'v'>;

/** The fields of each request kind; a kind added to HostRequest does not compile until it is here. */
const REQUESTS: { [K in HostRequest['kind']]: Fields<Body<K>> } = {
  start: { config: vmConfig },
  power: { op: oneOf('pause', 'resume', 'stop', 'reset', 'soft-shutdown', 'soft-reboot') },
  'serial-in': { data: bytes(MAX_SERIAL_IN) },
  'serial-flow': { paused: bool },
  screenshot: { id: int(0, Number.MAX_SAFE_INTEGER), path: absPath },
  key: { code: text(MAX_NAME), down: bool },
  pointer: { x: int(0, MAX_U16), y: int(0, MAX_U16), buttons: int(0, MAX_U16) },
  viewport: { width: int(0, MAX_U16), height: int(0, MAX_U16) },
  'host-clipboard': { text: text(MAX_TEXT) },
  'set-tools-option': { option: oneOf('syncTime', 'copy', 'paste'), enabled: bool },
  // The same limits as the control socket's guestinfo-set (controlServer.ts).
  'guestinfo-set': { key: text(MAX_KEY_LENGTH, 1), value: text(MAX_VALUE_LENGTH) },
  'guestinfo-list': {},
  'vm-log': {},
  frames: { enabled: bool },
  'net-link': { index: int(0, MAX_U16), up: bool },
};

function request(raw: unknown): HostRequest {
  if (!isObject(raw)) throw new Bad('a request must be an object');
  const kind = raw.kind;
  if (typeof kind !== 'string') throw new Bad('a request needs a kind');
  const name = JSON.stringify(kind.slice(0, 40));
  if (!Object.prototype.hasOwnProperty.call(REQUESTS, kind)) throw new Bad(`unknown request kind ${name}`);
  if (raw.v !== 1) throw new Bad(`request ${name} must have v: 1 (this VM host speaks version 1)`);
  const fields = REQUESTS[kind as HostRequest['kind']] as Fields<Record<string, unknown>>;
  return { kind, v: 1, ...record(fields)(raw, kind) } as HostRequest;
}

/** The request in `raw` as a clean copy, or one line saying why it is not one. */
export function parseHostRequest(raw: unknown): HostRequest | string {
  try {
    return request(raw);
  } catch (err) {
    if (err instanceof Bad) return err.message;
    throw err;
  }
}

/** What takes the requests that pass (VmSession). */
export interface RequestSink {
  handle(request: HostRequest): void;
  /** A `start` that failed its check: the run ends as a failed start does. */
  refuseStart(message: string): void;
}

/** Where a request enters: a good one goes to the sink; a bad `start` ends the run (every
 *  client then sees the error and the stopped state); any other bad one is answered to its
 *  sender alone with one 'error' event, and the host carries on. */
export function admitRequest(raw: unknown, reply: (event: HostEvent) => void, sink: RequestSink): void {
  const request = parseHostRequest(raw);
  if (typeof request !== 'string') {
    sink.handle(request);
    return;
  }
  const message = `the VM host refused a request: ${request}`;
  if (isObject(raw) && raw.kind === 'start') sink.refuseStart(message);
  else reply({ kind: 'error', v: 1, error: { code: 'invalid-argument', message } });
}
