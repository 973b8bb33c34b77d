// Checks a VmConfig that arrived from the renderer before it is stored or started: the
// page is not trusted with the shape of the data main acts on. Electron-free.
import { checkNics } from '../common/nic';
import type { VmConfig } from '../common/protocol';
import type { LibraryEntryDraft, NestedSettings } from '../common/appProtocol';

const MAX_NAME = 200;
const MAX_PATH = 4096;
const MAX_APPEND = 4096;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join(' '));
    this.name = 'ConfigError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalPath(v: unknown, label: string, problems: string[]): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v.startsWith('/') || v.length > MAX_PATH || v.includes('\0')) {
    problems.push(`${label} must be an absolute path.`);
    return undefined;
  }
  return v;
}

function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

/** Returns a clean copy holding only known fields, or throws ConfigError. */
export function checkConfig(raw: unknown): VmConfig {
  const problems: string[] = [];
  if (!isObject(raw)) throw new ConfigError(['config is not an object.']);
  const name = typeof raw.name === 'string' ? raw.name.trim() : '';
  if (!name || name.length > MAX_NAME) problems.push(`name must have 1 to ${MAX_NAME} characters.`);
  const memoryMiB = raw.memoryMiB;
  if (typeof memoryMiB !== 'number' || !Number.isInteger(memoryMiB) || memoryMiB < 1 || memoryMiB > 65536) problems.push('memoryMiB must be a whole number from 1 to 65536.');
  const cpus = raw.cpus;
  if (typeof cpus !== 'number' || !Number.isInteger(cpus) || cpus < 1 || cpus > 64) problems.push('cpus must be a whole number from 1 to 64.');
  const firmware = raw.firmware;
  if (firmware !== 'none' && firmware !== 'seabios') problems.push('firmware must be "none" or "seabios".');
  const kernel = optionalPath(raw.kernel, 'kernel', problems);
  const initrd = optionalPath(raw.initrd, 'initrd', problems);
  const vmxPath = optionalPath(raw.vmxPath, 'vmxPath', problems);
  if (raw.append !== undefined && (typeof raw.append !== 'string' || raw.append.length > MAX_APPEND)) problems.push(`append must be text of at most ${MAX_APPEND} characters.`);
  if (firmware === 'none' && !kernel) problems.push('a VM without firmware needs a kernel.');
  const tools = isObject(raw.tools) ? raw.tools : {};
  if (problems.length) throw new ConfigError(problems);
  const config: VmConfig = {
    name,
    memoryMiB: memoryMiB as number,
    cpus: cpus as number,
    firmware: firmware as VmConfig['firmware'],
    tools: { syncTime: bool(tools.syncTime, true), copyAllowed: bool(tools.copyAllowed, true), pasteAllowed: bool(tools.pasteAllowed, true) },
  };
  if (kernel) config.kernel = kernel;
  if (initrd) config.initrd = initrd;
  if (typeof raw.append === 'string' && raw.append) config.append = raw.append;
  if (vmxPath) config.vmxPath = vmxPath;
  if (raw.noReboot === true) config.noReboot = true;
  const display = checkDisplay(raw.display, problems);
  if (display) config.display = display;
  const guestInfo = checkGuestInfo(raw.guestInfo, problems);
  if (guestInfo) config.guestInfo = guestInfo;
  const nics = checkNics(raw.nics, problems);
  if (nics?.length) config.nics = nics;
  if (problems.length) throw new ConfigError(problems);
  return config;
}

const MAX_GUESTINFO_KEYS = 256;
const MAX_GUESTINFO_VALUE = 64 * 1024;

function checkDisplay(v: unknown, problems: string[]): VmConfig['display'] {
  if (v === undefined) return undefined;
  const d = isObject(v) ? v : {};
  const dims = [d.maxWidth, d.maxHeight, d.vramMiB];
  if (!dims.every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 65535)) {
    problems.push('display needs whole numbers maxWidth, maxHeight and vramMiB.');
    return undefined;
  }
  return { maxWidth: d.maxWidth as number, maxHeight: d.maxHeight as number, vramMiB: d.vramMiB as number };
}

function checkGuestInfo(v: unknown, problems: string[]): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const entries = isObject(v) ? Object.entries(v) : [];
  if (!isObject(v) || entries.length > MAX_GUESTINFO_KEYS || entries.some(([, val]) => typeof val !== 'string' || val.length > MAX_GUESTINFO_VALUE)) {
    problems.push(`guestInfo must map at most ${MAX_GUESTINFO_KEYS} keys to text.`);
    return undefined;
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export function checkNested(raw: unknown): NestedSettings {
  const n = isObject(raw) ? raw : {};
  return {
    exposeVirtualization: bool(n.exposeVirtualization, false),
    backdoorFromCpl3: bool(n.backdoorFromCpl3, false),
    l0HandlesL2Backdoor: bool(n.l0HandlesL2Backdoor, false),
  };
}

export function checkDraft(raw: unknown): LibraryEntryDraft {
  if (!isObject(raw)) throw new ConfigError(['entry is not an object.']);
  if (raw.id !== undefined && (typeof raw.id !== 'string' || raw.id.length > 100)) throw new ConfigError(['id is not valid.']);
  return { id: raw.id as string | undefined, config: checkConfig(raw.config), nested: checkNested(raw.nested) };
}
