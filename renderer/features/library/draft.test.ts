import { describe, expect, it } from 'vitest';
import { draftFromForm, formFromEntry } from './draft';

describe('editor draft', () => {
  it('builds a config from a valid form', () => {
    const form = { ...formFromEntry(undefined), name: ' Tiny ', memoryMiB: '32', kernel: '/guests/tiny.bin', append: 'console=ttyS0' };
    const d = draftFromForm(form, undefined);
    expect(Array.isArray(d)).toBe(false);
    if (Array.isArray(d)) return;
    expect(d.config).toMatchObject({ name: 'Tiny', memoryMiB: 32, cpus: 1, firmware: 'none', kernel: '/guests/tiny.bin', append: 'console=ttyS0' });
    expect(d.config.initrd).toBeUndefined();
  });

  it('lists every problem', () => {
    const form = { ...formFromEntry(undefined), name: '', memoryMiB: '1.5', cpus: '0', kernel: 'relative/path' };
    expect(draftFromForm(form, undefined)).toEqual([
      'Name is empty.',
      'Memory must be a whole number of MiB between 1 and 65536.',
      'vCPUs must be between 1 and 8.',
      'Kernel path must be absolute.',
    ]);
  });

  it('needs a kernel unless firmware boots the VM', () => {
    const form = formFromEntry(undefined);
    expect(draftFromForm(form, undefined)).toEqual(['Without firmware the VM needs a kernel to boot.']);
    expect(Array.isArray(draftFromForm({ ...form, firmware: 'seabios' }, undefined))).toBe(false);
  });

  it('adds a NAT e1000 with its MAC and port forwards', () => {
    const form = { ...formFromEntry(undefined), kernel: '/k', network: 'nat' as const, mac: '00:0C:29:01:02:03', portForwards: 'tcp:8080-:80, udp:5353-:53' };
    const d = draftFromForm(form, undefined);
    if (Array.isArray(d)) throw new Error(d.join(' '));
    expect(d.config.nics).toEqual([{ model: 'e1000', connection: 'nat', mac: '00:0c:29:01:02:03', portForwards: [
      { protocol: 'tcp', hostPort: 8080, guestPort: 80 }, { protocol: 'udp', hostPort: 5353, guestPort: 53 }] }]);
    expect(formFromEntry({ id: 'x', config: d.config } as never).portForwards).toBe('tcp:8080-:80, udp:5353-:53');
  });

  it('names a bad MAC or port forward, and keeps no adapter for "none"', () => {
    const base = { ...formFromEntry(undefined), kernel: '/k' };
    expect(draftFromForm({ ...base, network: 'nat', mac: 'nope' }, undefined)).toEqual([
      'MAC address nope is not a MAC address: use six hex bytes like 00:0c:29:12:34:56',
    ]);
    expect(draftFromForm({ ...base, network: 'nat', portForwards: 'tcp:80' }, undefined)).toEqual([
      'Port forward tcp:80 is not a port forward: use tcp:HOSTPORT-:GUESTPORT (ports 1 to 65535)',
    ]);
    const d = draftFromForm({ ...base, network: 'none', mac: 'ignored' }, undefined);
    expect(Array.isArray(d) ? d : d.config.nics).toBeUndefined();
  });
});
