// Network adapters in a .vmx (VMware's keys; libvirt src/vmx/vmx.c documents the same):
//   ethernet<N>.present / .virtualDev / .connectionType / .startConnected
//   ethernet<N>.addressType ("generated" | "vpx" | "static") with .generatedAddress or .address
// N = 0..9. Keys we do not model (vnet, pciSlotNumber, …) are left to the file.
import { VmxDocument } from './vmx';
import { badValue, parseBool } from './vmxValues';

export interface EthernetAdapter {
  index: number;
  present: boolean;
  /** As written (lower case), absent when the file names none. */
  virtualDev?: string;
  /** As written (lower case); VMware's default when absent is "bridged". */
  connectionType: string;
  startConnected: boolean;
  /** The MAC the file gives for its addressType, as written. */
  mac?: string;
  macKey?: string;
}

const ETHERNET_KEY = /^ethernet(\d{1,3})\.(.+)$/i;

export function readEthernet(doc: VmxDocument): EthernetAdapter[] {
  const seen = new Map<number, EthernetAdapter>();
  for (const [key] of doc.entries()) {
    const m = ETHERNET_KEY.exec(key);
    if (!m) continue;
    const index = Number(m[1]);
    if (index > 9) throw badValue(doc, key, `no such network adapter ethernet${index} (0..9)`);
    if (seen.has(index)) continue;
    const p = `ethernet${index}.`;
    const addressType = doc.get(p + 'addressType')?.trim().toLowerCase();
    const macKey = addressType === 'static' ? p + 'address' : doc.get(p + 'generatedAddress') !== undefined ? p + 'generatedAddress' : p + 'address';
    seen.set(index, {
      index,
      present: parseBool(doc, p + 'present') ?? false,
      virtualDev: doc.get(p + 'virtualDev')?.trim().toLowerCase(),
      connectionType: doc.get(p + 'connectionType')?.trim().toLowerCase() ?? 'bridged',
      startConnected: parseBool(doc, p + 'startConnected') ?? true,
      mac: doc.get(macKey)?.trim(),
      macKey: doc.get(macKey) !== undefined ? macKey : undefined,
    });
  }
  return [...seen.values()].sort((a, b) => a.index - b.index);
}
