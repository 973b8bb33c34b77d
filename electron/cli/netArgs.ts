// `--net nat[,model=e1000][,mac=XX:XX:XX:XX:XX:XX][,hostfwd=tcp:HOSTPORT-:GUESTPORT]...`
// and `--net unplugged[,...]`: one network adapter, checked before anything native runs.
import { randomBytes } from 'node:crypto';

import type { NicSpec, PortForward } from '../common/protocol';

export class NetUsageError extends Error {}

const MAC = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;
// QEMU's hostfwd syntax: PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT; addresses are
// not selectable here (passt binds every host address, the guest has one).
const HOSTFWD = /^(tcp|udp)::?(\d{1,5})-:?(\d{1,5})$/i;

/** A MAC in VMware's range for generated addresses (00:0c:29, docs/vmx-vmdk.md). */
export function generatedMac(): string {
  const b = randomBytes(3);
  return ['00', '0c', '29', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** Lower case, colons; rejects group (multicast) and all-zero addresses. */
export function normalizeMac(text: string, what: string): string {
  if (!MAC.test(text)) throw new NetUsageError(`${what} ${text} is not a MAC address: use six hex bytes like 00:0c:29:12:34:56`);
  const mac = text.toLowerCase().replace(/-/g, ':');
  if (parseInt(mac.slice(0, 2), 16) & 1) throw new NetUsageError(`${what} ${text} is a multicast address: the first byte must be even`);
  if (mac === '00:00:00:00:00:00') throw new NetUsageError(`${what} ${text} is not a usable address`);
  return mac;
}

export function parsePortForward(text: string, what: string): PortForward {
  const m = HOSTFWD.exec(text);
  const ports = m ? [Number(m[2]), Number(m[3])] : [];
  if (!m || ports.some((p) => p < 1 || p > 65535))
    throw new NetUsageError(`${what} ${text} is not a port forward: use tcp:HOSTPORT-:GUESTPORT (ports 1 to 65535)`);
  return { protocol: m[1].toLowerCase() as 'tcp' | 'udp', hostPort: ports[0], guestPort: ports[1] };
}

export function parseNet(text: string): NicSpec {
  const [mode, ...opts] = text.split(',');
  if (mode !== 'nat' && mode !== 'unplugged')
    throw new NetUsageError(`--net ${text}: the connection must be nat or unplugged (bridged and host-only are not supported yet)`);
  const spec: NicSpec = { model: 'e1000', connection: mode, mac: '', portForwards: [] };
  for (const o of opts) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (key === 'model') {
      if (value !== 'e1000') throw new NetUsageError(`--net model=${value} is not emulated: use model=e1000`);
    } else if (key === 'mac') {
      spec.mac = normalizeMac(value, '--net mac=');
    } else if (key === 'hostfwd') {
      spec.portForwards!.push(parsePortForward(value, '--net hostfwd='));
    } else {
      throw new NetUsageError(`--net ${text}: unknown option ${o} (use model=, mac= or hostfwd=)`);
    }
  }
  const seen = new Set<string>();
  for (const f of spec.portForwards!) {
    const k = `${f.protocol}:${f.hostPort}`;
    if (seen.has(k)) throw new NetUsageError(`--net hostfwd: host port ${f.protocol}:${f.hostPort} is forwarded twice`);
    seen.add(k);
  }
  if (spec.connection === 'unplugged' && spec.portForwards!.length)
    throw new NetUsageError('--net unplugged,hostfwd=…: an unplugged adapter forwards nothing (use --net nat)');
  if (!spec.mac) spec.mac = generatedMac();
  return spec;
}
