// `--net nat[,model=e1000][,mac=XX:XX:XX:XX:XX:XX][,hostfwd=tcp:HOSTPORT-:GUESTPORT]...`
// and `--net unplugged[,...]`: one network adapter, checked before anything native runs.
import { checkForwards, generatedMac, NicError, normalizeMac, parsePortForward } from '../common/nic';
import type { NicSpec } from '../common/protocol';

export { generatedMac, normalizeMac, NicError as NetUsageError } from '../common/nic';

export function parseNet(text: string): NicSpec {
  const [mode, ...opts] = text.split(',');
  if (mode !== 'nat' && mode !== 'unplugged')
    throw new NicError(`--net ${text}: the connection must be nat or unplugged (bridged and host-only are not supported yet)`);
  const spec: NicSpec = { model: 'e1000', connection: mode, mac: '', portForwards: [] };
  for (const o of opts) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (key === 'model') {
      if (value !== 'e1000' && value !== 'vmxnet3') throw new NicError(`--net model=${value} is not emulated: use model=e1000 or model=vmxnet3`);
      spec.model = value;
    } else if (key === 'mac') {
      spec.mac = normalizeMac(value, '--net mac=');
    } else if (key === 'hostfwd') {
      spec.portForwards!.push(parsePortForward(value, '--net hostfwd='));
    } else {
      throw new NicError(`--net ${text}: unknown option ${o} (use model=, mac= or hostfwd=)`);
    }
  }
  checkForwards(spec, '--net hostfwd');
  if (!spec.mac) spec.mac = generatedMac();
  return spec;
}
