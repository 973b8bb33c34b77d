// Guest information: the guestinfo.* key/value store (RPCI info-set / info-get,
// docs/vmware-backdoor.md §5.5) and the SetGuestInfo keys of open-vm-tools lib/include/guestInfo.h.
// The host can set values that the guest reads (e.g. guestinfo.* from the .vmx) and reads what the
// guest publishes (OS name, IP address, host name).
//
// Hostile-guest bounds: keys must start with "guestinfo." (case-insensitive, as VMX keys
// are), at most MAX_KEY_LENGTH characters, at most MAX_KEYS keys; binary SetGuestInfo
// payloads (NIC and disk tables) are accepted and only their size is kept.

export const MAX_KEYS = 512;
export const MAX_KEY_LENGTH = 256;
const PREFIX = 'guestinfo.';

/** SetGuestInfo key numbers (guestInfo.h GuestInfoType). */
export const GuestInfoType = {
  DNS_NAME: 1,
  IPADDRESS: 2,
  DISK_FREE_SPACE: 3,
  BUILD_NUMBER: 4,
  OS_NAME_FULL: 5,
  OS_NAME: 6,
  UPTIME: 7,
  MEMORY: 8,
  IPADDRESS_V2: 9,
  IPADDRESS_V3: 10,
  OS_DETAILED: 11,
} as const;

const TEXT_TYPES: ReadonlySet<number> = new Set([1, 4, 5, 6, 7, 8]);
const BINARY_TYPES: ReadonlySet<number> = new Set([2, 3, 9, 10]);

/**
 * SetGuestInfo 11 (OS_DETAILED) is binary: open-vm-tools lib/include/hostinfo.h
 * HostinfoDetailedDataHeader {uint32 version; char shortName[129]; char fullName[513]}
 * (sizeof 648 with the struct's 4-byte alignment), then the detailed-data string, NUL
 * terminated (services/plugins/guestInfo/guestInfoServer.c). A host that accepts it gets
 * no SetGuestInfo 5/6: the guest sends the names only when key 11 is refused.
 */
const DETAILED_SHORT_NAME = { at: 4, size: 129 };
const DETAILED_FULL_NAME = { at: 133, size: 513 };
const DETAILED_HEADER_SIZE = 648;

function cString(bytes: Buffer, at: number, size: number): string {
  const field = bytes.subarray(at, at + size);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
}

/** The names and detailed data of a SetGuestInfo 11 payload, or null if it is too short or not version 1. */
export function parseOsDetailed(value: string): { shortName: string; fullName: string; detailed: string } | null {
  // The message was decoded as UTF-8; re-encoding gives back its bytes (names are UTF-8).
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length < DETAILED_HEADER_SIZE || bytes.readUInt32LE(0) !== 1) return null;
  return {
    shortName: cString(bytes, DETAILED_SHORT_NAME.at, DETAILED_SHORT_NAME.size),
    fullName: cString(bytes, DETAILED_FULL_NAME.at, DETAILED_FULL_NAME.size),
    detailed: cString(bytes, DETAILED_HEADER_SIZE, bytes.length - DETAILED_HEADER_SIZE),
  };
}

export interface GuestOsInfo {
  /** SetGuestInfo 6: the VMware guest-OS id string, e.g. "debian12-64". */
  name?: string;
  /** SetGuestInfo 5, e.g. "Debian GNU/Linux 12 (bookworm)". */
  fullName?: string;
  /** guestinfo.detailed.data, or SetGuestInfo 11. */
  detailed?: string;
}

export interface GuestInfoChange {
  key: string;
  value: string;
  source: 'guest' | 'host';
}

export type InfoSetResult = { ok: true } | { ok: false; error: string };

/** Normalises "GuestInfo.Foo" / "foo" to "guestinfo.foo"; null when the key is unusable. */
export function normaliseKey(key: string, addPrefix: boolean): string | null {
  let k = key.trim().toLowerCase();
  if (!k.startsWith(PREFIX)) {
    if (!addPrefix) return null;
    k = PREFIX + k;
  }
  if (k.length === PREFIX.length || k.length > MAX_KEY_LENGTH || /\s/.test(k)) return null;
  return k;
}

export class GuestInfoStore {
  private readonly values = new Map<string, string>();
  private readonly typed = new Map<number, string>();
  private readonly binarySizes = new Map<number, number>();
  private readonly hostKeys = new Set<string>();

  constructor(private readonly onChange: (change: GuestInfoChange) => void = () => {}) {}

  /** RPCI `info-set guestinfo.<key> <value>` (args = everything after "info-set "). */
  guestSet(args: string): InfoSetResult {
    const sp = args.indexOf(' ');
    const key = normaliseKey(sp < 0 ? args : args.slice(0, sp), false);
    if (!key) return { ok: false, error: 'Invalid key' };
    const value = sp < 0 ? '' : args.slice(sp + 1);
    return this.store(key, value, 'guest');
  }

  /** RPCI `info-get guestinfo.<key>`: the value, or undefined. */
  guestGet(args: string): string | undefined {
    const key = normaliseKey(args, false);
    return key ? this.values.get(key) : undefined;
  }

  /** Host API: a value the guest can read with info-get (key with or without "guestinfo."). */
  hostSet(key: string, value: string): InfoSetResult {
    const k = normaliseKey(key, true);
    if (!k) return { ok: false, error: 'Invalid key' };
    const result = this.store(k, value, 'host');
    if (result.ok) this.hostKeys.add(k);
    return result;
  }

  get(key: string): string | undefined {
    const k = normaliseKey(key, true);
    return k ? this.values.get(k) : undefined;
  }

  entries(): Array<[string, string]> {
    return [...this.values.entries()];
  }

  /** Every value with who set it last, keys sorted. */
  list(): Array<{ key: string; value: string; source: 'guest' | 'host' }> {
    return [...this.values.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value, source: this.hostKeys.has(key) ? 'host' : 'guest' }));
  }

  /**
   * RPCI `SetGuestInfo  <type> <value>` (two spaces after the command in open-vm-tools
   * guestInfoServer.c; args here is what follows "SetGuestInfo "). Returns false for an
   * unknown type, so the guest falls back (e.g. NIC v3 -> v2 -> v1).
   */
  setTyped(args: string): boolean {
    const m = /^\s*(\d{1,3})(?: ([\s\S]*))?$/.exec(args);
    if (!m) return false;
    const type = Number(m[1]);
    const value = m[2] ?? '';
    if (BINARY_TYPES.has(type)) {
      this.binarySizes.set(type, value.length);
      return true;
    }
    if (type === GuestInfoType.OS_DETAILED) {
      const d = parseOsDetailed(value);
      if (!d) return false;  // the guest then sends SetGuestInfo 5 and 6
      // Full name first: each change is reported, and the app shows the full name.
      this.setText(GuestInfoType.OS_NAME_FULL, d.fullName);
      this.setText(GuestInfoType.OS_NAME, d.shortName);
      this.setText(GuestInfoType.OS_DETAILED, d.detailed);
      return true;
    }
    if (!TEXT_TYPES.has(type)) return false;
    this.setText(type, value);
    return true;
  }

  private setText(type: number, value: string): void {
    if (this.typed.get(type) === value) return;
    this.typed.set(type, value);
    this.onChange({ key: `SetGuestInfo.${type}`, value, source: 'guest' });
  }

  typedValue(type: number): string | undefined {
    return this.typed.get(type);
  }

  /** Size of the last binary SetGuestInfo payload of `type` (NIC/disk tables). */
  binarySize(type: number): number | undefined {
    return this.binarySizes.get(type);
  }

  os(): GuestOsInfo {
    return {
      name: this.typed.get(GuestInfoType.OS_NAME),
      fullName: this.typed.get(GuestInfoType.OS_NAME_FULL),
      detailed: this.values.get('guestinfo.detailed.data') ?? this.typed.get(GuestInfoType.OS_DETAILED),
    };
  }

  /** The primary IP the guest broadcast (`info-set guestinfo.ip`, Set_Option broadcastIP 1). */
  ipAddress(): string | undefined {
    return this.values.get('guestinfo.ip');
  }

  hostName(): string | undefined {
    return this.typed.get(GuestInfoType.DNS_NAME);
  }

  /** Forgets what the guest published (the VM was reset); keys the host set stay. */
  clearGuestData(): void {
    for (const key of [...this.values.keys()]) if (!this.hostKeys.has(key)) this.values.delete(key);
    this.typed.clear();
    this.binarySizes.clear();
  }

  private store(key: string, value: string, source: 'guest' | 'host'): InfoSetResult {
    if (!this.values.has(key) && this.values.size >= MAX_KEYS) return { ok: false, error: 'Too many keys' };
    if (this.values.get(key) === value) return { ok: true };
    this.values.set(key, value);
    this.onChange({ key, value, source });
    return { ok: true };
  }
}
