import { describe, expect, it } from 'vitest';

import { VmxDocument } from '../vmfiles/vmx';
import { parseRunArgs, UsageError } from './args';
import { generatedMac, parseNet } from './netArgs';
import { nicsFromVmx } from './vmxConfig';

const vmx = (text: string) => VmxDocument.parse(new TextEncoder().encode(text), '/vms/a.vmx');

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

describe('ethernet<N> in a .vmx', () => {
  it('maps a NAT e1000 with its generated address', () => {
    const notes: string[] = [];
    const nics = nicsFromVmx(
      vmx('ethernet0.present = "TRUE"\nethernet0.virtualDev = "e1000"\nethernet0.connectionType = "nat"\n' +
        'ethernet0.addressType = "generated"\nethernet0.generatedAddress = "00:0c:29:12:34:56"\n'),
      '/vms/a.vmx', notes);
    expect(nics).toEqual([{ model: 'e1000', connection: 'nat', mac: '00:0c:29:12:34:56', portForwards: [] }]);
    expect(notes).toEqual([]);
  });

  it('uses the static address, and an unplugged cable when startConnected is FALSE', () => {
    const nics = nicsFromVmx(
      vmx('ethernet0.present = "TRUE"\nethernet0.connectionType = "nat"\nethernet0.startConnected = "FALSE"\n' +
        'ethernet0.addressType = "static"\nethernet0.address = "00:50:56:01:02:03"\n'),
      '/vms/a.vmx', []);
    expect(nics[0]).toMatchObject({ connection: 'unplugged', mac: '00:50:56:01:02:03' });
  });

  it('reports bridged and host-only as not supported and starts the adapter unplugged', () => {
    const notes: string[] = [];
    const nics = nicsFromVmx(vmx('ethernet0.present = "TRUE"\nethernet0.connectionType = "bridged"\n'), '/vms/a.vmx', notes);
    expect(nics[0].connection).toBe('unplugged');
    expect(notes).toEqual(['ethernet0.connectionType = "bridged" is not supported yet (nat is); ethernet0 starts unplugged']);
  });

  it('reports a model it does not emulate and leaves that adapter out instead of replacing it', () => {
    const notes: string[] = [];
    const nics = nicsFromVmx(vmx('ethernet0.present = "TRUE"\nethernet0.virtualDev = "e1000e"\nethernet0.connectionType = "nat"\n'),
      '/vms/a.vmx', notes);
    expect(nics).toEqual([]);
    expect(notes).toEqual(['ethernet0.virtualDev = "e1000e" is not emulated yet (e1000 and vmxnet3 are); the VM starts without ethernet0']);
  });

  it('takes a vmxnet3', () => {
    const nics = nicsFromVmx(vmx('ethernet0.present = "TRUE"\nethernet0.virtualDev = "vmxnet3"\nethernet0.connectionType = "nat"\n' +
      'ethernet0.address = "00:50:56:aa:bb:cc"\nethernet0.addressType = "static"\n'), '/vms/a.vmx', []);
    expect(nics).toEqual([{ model: 'vmxnet3', connection: 'nat', mac: '00:50:56:aa:bb:cc', portForwards: [] }]);
  });

  it('names the key of a malformed address', () => {
    expect(() => nicsFromVmx(vmx('ethernet0.present = "TRUE"\nethernet0.connectionType = "nat"\nethernet0.address = "00:0c:29"\n'),
      '/vms/a.vmx', [])).toThrow('/vms/a.vmx: ethernet0.address = 00:0c:29 is not a MAC address');
  });
});
