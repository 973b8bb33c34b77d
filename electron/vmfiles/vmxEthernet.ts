// Network adapters in a .vmx (VMware's keys; libvirt src/vmx/vmx.c documents the same):
//   ethernet<N>.present / .virtualDev / .connectionType / .startConnected
//   ethernet<N>.addressType ("generated" | "vpx" | "static") with .generatedAddress or .address
// N = 0..9. Keys we do not model (vnet, pciSlotNumber, generatedAddressOffset…) are left to
// the file.
import { inVmwareStaticRange, type EthernetAdapter } from '../common/vmxSettings';
import { VmxDocument } from './vmx';
import { badValue, parseBool, setBool, setString } from './vmxValues';

export type { EthernetAdapter } from '../common/vmxSettings';

const ETHERNET_KEY = /^ethernet(\d{1,3})\.(.+)$/i;
const MAX_INDEX = 9;
const lower = (v: string): string => v.trim().toLowerCase();

/** The key holding adapter `index`'s MAC: `address` when static, else `generatedAddress`
 *  (falling back to `address` when only that one is written). */
export function macKeyOf(doc: VmxDocument, index: number, addressType = doc.get(`ethernet${index}.addressType`)): string {
  const p = `ethernet${index}.`;
  if (addressType?.trim().toLowerCase() === 'static') return p + 'address';
  return doc.get(p + 'generatedAddress') !== undefined || addressType !== undefined ? p + 'generatedAddress' : p + 'address';
}

export function readEthernet(doc: VmxDocument): EthernetAdapter[] {
  const seen = new Map<number, EthernetAdapter>();
  for (const [key] of doc.entries()) {
    const m = ETHERNET_KEY.exec(key);
    if (!m) continue;
    const index = Number(m[1]);
    if (index > MAX_INDEX) throw badValue(doc, key, `no such network adapter ethernet${index} (0..${MAX_INDEX})`);
    if (seen.has(index)) continue;
    const p = `ethernet${index}.`;
    const addressType = doc.get(p + 'addressType');
    const mac = doc.get(macKeyOf(doc, index))?.trim();
    seen.set(index, {
      index,
      present: parseBool(doc, p + 'present') ?? false,
      ...(doc.get(p + 'virtualDev') !== undefined ? { virtualDev: lower(doc.get(p + 'virtualDev')!) } : {}),
      connectionType: lower(doc.get(p + 'connectionType') ?? 'bridged'),
      startConnected: parseBool(doc, p + 'startConnected') ?? true,
      ...(addressType !== undefined ? { addressType: lower(addressType) } : {}),
      ...(mac !== undefined ? { mac } : {}),
    });
  }
  return [...seen.values()].sort((a, b) => a.index - b.index);
}

/**
 * Adapters not in `want` lose every `ethernetN.*` key (as Workstation's Remove does); the
 * others get the keys whose typed value changed. A MAC goes to the key its addressType
 * uses; a static MAC outside VMware's static range also gets `checkMACAddress = "FALSE"`,
 * without which VMware refuses to power the VM on.
 */
export function applyEthernet(doc: VmxDocument, want: EthernetAdapter[]): void {
  const wanted = new Set(want.map((a) => a.index));
  for (const [key] of doc.entries()) {
    const m = ETHERNET_KEY.exec(key);
    if (m && !wanted.has(Number(m[1]))) doc.delete(key);
  }
  for (const a of want) {
    if (!Number.isInteger(a.index) || a.index < 0 || a.index > MAX_INDEX) {
      throw badValue(doc, `ethernet${a.index}.present`, `network adapter index must be 0..${MAX_INDEX}`);
    }
    const p = `ethernet${a.index}.`;
    setBool(doc, p + 'present', a.present, false);
    setString(doc, p + 'virtualDev', a.virtualDev, lower);
    // Absent means bridged: an absent key stays absent while the adapter stays bridged.
    if (lower(doc.get(p + 'connectionType') ?? 'bridged') !== lower(a.connectionType)) doc.set(p + 'connectionType', a.connectionType);
    setBool(doc, p + 'startConnected', a.startConnected, true);
    setString(doc, p + 'addressType', a.addressType, lower);
    const macKey = macKeyOf(doc, a.index, a.addressType);
    setString(doc, macKey, a.mac, lower);
    if (a.mac !== undefined && a.addressType === 'static' && !inVmwareStaticRange(a.mac) && parseBool(doc, p + 'checkMACAddress') !== false) {
      doc.set(p + 'checkMACAddress', 'FALSE');
    }
  }
}
