import { describe, expect, it } from 'vitest';

import { parseRunArgs, UsageError } from './args';
import { generatedMac, parseNet } from './netArgs';

describe('--net', () => {
  it('parses nat with a model, a MAC and port forwards', () => {
    expect(parseNet('nat,model=e1000,mac=00:0C:29:AA:BB:CC,hostfwd=tcp::2222-:22,hostfwd=udp:5353-:53')).toEqual({
      model: 'e1000',
      connection: 'nat',
      mac: '00:0c:29:aa:bb:cc',
      portForwards: [
        { protocol: 'tcp', hostPort: 2222, guestPort: 22 },
        { protocol: 'udp', hostPort: 5353, guestPort: 53 },
      ],
    });
  });

  it('generates a MAC in VMware\'s 00:0c:29 range', () => {
    expect(generatedMac()).toMatch(/^00:0c:29(:[0-9a-f]{2}){3}$/);
    expect(parseNet('nat').mac).toMatch(/^00:0c:29:/);
  });

  it.each([
    ['bridged', /nat or unplugged/],
    ['nat,model=e1000e', /model=e1000e is not emulated: use model=e1000 or model=vmxnet3/],
    ['nat,mac=01:00:5e:00:00:01', /multicast/],
    ['nat,mac=zz', /not a MAC address/],
    ['nat,hostfwd=tcp:0-:22', /not a port forward/],
    ['nat,hostfwd=tcp:80-:99999', /not a port forward/],
    ['nat,hostfwd=tcp:80-:8,hostfwd=tcp:80-:9', /forwarded twice/],
    ['unplugged,hostfwd=tcp:80-:8', /forwards nothing/],
    ['nat,speed=10', /unknown option speed=10/],
  ])('rejects %s with one line', (spec, message) => {
    expect(() => parseRunArgs(['--kernel', 'k', '--net', spec])).toThrow(UsageError);
    expect(() => parseRunArgs(['--kernel', 'k', '--net', spec])).toThrow(message);
  });

  it('takes one adapter', () => {
    expect(() => parseRunArgs(['--kernel', 'k', '--net', 'nat', '--net', 'nat'])).toThrow(/one network adapter/);
  });
});
