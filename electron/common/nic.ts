// Network adapter settings shared by the CLI, the app's editor and the app's config
// check: MAC addresses, port forwards ("tcp:HOSTPORT-:GUESTPORT", QEMU's hostfwd
// syntax) and the NicSpec list a VmConfig carries. Pure: no Node or DOM modules.
import type { NicSpec, PortForward } from './protocol';

const MAC = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;
const FORWARD = /^(tcp|udp)::?(\d{1,5})-:?(\d{1,5})$/i;

export class NicError extends Error {}

/** A MAC in VMware's range for generated addresses (00:0c:29, docs/vmx-vmdk.md §4.2). */
export function generatedMac(): string {
  const b = new Uint8Array(3);
  // Web Crypto: a global in Node 20 and in the renderer.
  (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto.getRandomValues(b);
  return ['00', '0c', '29', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** Lower case, colons; rejects group (multicast) and all-zero addresses. */
export function normalizeMac(text: string, what: string): string {
  if (!MAC.test(text)) throw new NicError(`${what} ${text} is not a MAC address: use six hex bytes like 00:0c:29:12:34:56`);
  const mac = text.toLowerCase().replace(/-/g, ':');
  if (parseInt(mac.slice(0, 2), 16) & 1) throw new NicError(`${what} ${text} is a multicast address: the first byte must be even`);
  if (mac === '00:00:00:00:00:00') throw new NicError(`${what} ${text} is not a usable address`);
  return mac;
}

export function parsePortForward(text: string, what: string): PortForward {
  const m = FORWARD.exec(text.trim());
  const ports = m ? [Number(m[2]), Number(m[3])] : [];
  if (!m || ports.some((p) => p < 1 || p > 65535))
    throw new NicError(`${what} ${text} is not a port forward: use tcp:HOSTPORT-:GUESTPORT (ports 1 to 65535)`);
  return { protocol: m[1].toLowerCase() as 'tcp' | 'udp', hostPort: ports[0], guestPort: ports[1] };
}

export function formatPortForward(f: PortForward): string {
  return `${f.protocol}:${f.hostPort}-:${f.guestPort}`;
}

/** Each host port once; an unplugged adapter forwards nothing. */
export function checkForwards(nic: NicSpec, what: string): void {
  const seen = new Set<string>();
  for (const f of nic.portForwards ?? []) {
    const k = `${f.protocol}:${f.hostPort}`;
    if (seen.has(k)) throw new NicError(`${what}: host port ${k} is forwarded twice`);
    seen.add(k);
  }
  if (nic.connection === 'unplugged' && nic.portForwards?.length)
    throw new NicError(`${what}: an unplugged adapter forwards nothing (use NAT)`);
}

/** A NicSpec list from untrusted input (the renderer), or problems. At most one adapter. */
export function checkNics(raw: unknown, problems: string[]): NicSpec[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > 1) {
    problems.push('nics must be a list of at most one network adapter.');
    return undefined;
  }
  const out: NicSpec[] = [];
  for (const n of raw as unknown[]) {
    const o = (typeof n === 'object' && n !== null ? n : {}) as Record<string, unknown>;
    try {
      if (o.model !== 'e1000' && o.model !== 'vmxnet3') throw new NicError('the network adapter model must be e1000 or vmxnet3.');
      if (o.connection !== 'nat' && o.connection !== 'unplugged') throw new NicError('the network connection must be nat or unplugged.');
      const forwards = Array.isArray(o.portForwards) ? (o.portForwards as unknown[]) : [];
      const spec: NicSpec = {
        model: o.model,
        connection: o.connection,
        mac: normalizeMac(String(o.mac ?? ''), 'MAC address'),
        portForwards: forwards.map((f) => {
          const p = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
          return parsePortForward(`${String(p.protocol)}:${String(p.hostPort)}-:${String(p.guestPort)}`, 'port forward');
        }),
      };
      checkForwards(spec, 'port forwards');
      out.push(spec);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  return out;
}
