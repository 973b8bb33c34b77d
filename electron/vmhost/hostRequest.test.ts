// parseHostRequest: what every client sends comes through unchanged; anything else, from
// wrong types to prototype names and numbers the addon would truncate, is one line naming
// the field, never a throw. The last test feeds the same garbage to a real VM host process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { startChildHost } from '../app/childHost';
import type { HostEvent, HostRequest, VmConfig } from '../common/protocol';
import { admitRequest, parseHostRequest } from './hostRequest';

const FULL_CONFIG: VmConfig = {
  name: 'Debian 12',
  memoryMiB: 1024,
  cpus: 2,
  kernel: '/boot/vmlinuz',
  initrd: '/boot/initrd.img',
  append: 'console=ttyS0',
  firmware: 'seabios',
  firmwarePath: '/usr/share/seabios/bios-256k.bin',
  vmxPath: '/home/u/Vireo/Debian 12/Debian 12.vmx',
  externalDisks: ['/srv/iso/debian.iso'],
  noReboot: true,
  display: { maxWidth: 2560, maxHeight: 1600, vramMiB: 32 },
  tools: { syncTime: true, copyAllowed: false, pasteAllowed: true },
  guestInfo: { 'guestinfo.a': '1', 'guestinfo.b': '' },
  disks: [
    { path: '/home/u/Vireo/Debian 12/Debian 12.vmdk', kind: 'disk', bus: 'sata' },
    { path: '/srv/iso/debian.iso', kind: 'cdrom', readOnly: true },
  ],
  nics: [{ model: 'vmxnet3', connection: 'nat', mac: '00:0c:29:12:34:56', portForwards: [{ protocol: 'tcp', hostPort: 8080, guestPort: 80 }] }],
  screenshotOnStop: '/tmp/screen.png',
};

/** One of each kind, as the renderer, the CLI, main and the dev host send them. */
const GOOD: HostRequest[] = [
  { kind: 'start', v: 1, config: FULL_CONFIG },
  { kind: 'start', v: 1, config: { name: 'hello.bin', memoryMiB: 256, cpus: 1, firmware: 'none', kernel: '/g/hello.bin' } },
  { kind: 'power', v: 1, op: 'soft-shutdown' },
  { kind: 'serial-in', v: 1, data: new TextEncoder().encode('ls\r') },
  { kind: 'serial-in', v: 1, data: Buffer.from('x') },
  { kind: 'serial-flow', v: 1, paused: true },
  { kind: 'screenshot', v: 1, id: 7, path: '/tmp/a.png' },
  { kind: 'key', v: 1, code: 'ShiftLeft', down: true },
  { kind: 'pointer', v: 1, x: 0, y: 1599, buttons: 5 },
  { kind: 'viewport', v: 1, width: 1280, height: 0 },
  { kind: 'host-clipboard', v: 1, text: 'héllo\n' },
  { kind: 'set-tools-option', v: 1, option: 'paste', enabled: false },
  { kind: 'guestinfo-set', v: 1, key: 'guestinfo.x', value: 'y' },
  { kind: 'guestinfo-list', v: 1 },
  { kind: 'vm-log', v: 1 },
  { kind: 'frames', v: 1, enabled: true },
  { kind: 'net-link', v: 1, index: 0, up: false },
];

const start = (config: Record<string, unknown>) => ({ kind: 'start', v: 1, config: { ...FULL_CONFIG, ...config } });

/** Malformed requests and the field each message must name. */
const BAD: [unknown, RegExp][] = [
  [null, /must be an object/],
  [42, /must be an object/],
  ['power', /must be an object/],
  [[{ kind: 'power' }], /must be an object/],
  [undefined, /must be an object/],
  [{}, /needs a kind/],
  [{ kind: 7, v: 1 }, /needs a kind/],
  [{ kind: 'format-disk', v: 1 }, /unknown request kind "format-disk"/],
  [{ kind: 'toString', v: 1 }, /unknown request kind "toString"/],
  [{ kind: '__proto__', v: 1 }, /unknown request kind "__proto__"/],
  [{ kind: 'x'.repeat(10_000), v: 1 }, /unknown request kind "x{40}"$/],
  [{ kind: 'power', op: 'stop' }, /"power" must have v: 1/],
  [{ kind: 'power', v: 2, op: 'stop' }, /"power" must have v: 1/],
  [{ kind: 'power', v: 1 }, /^power\.op must be one of pause, resume, stop/],
  [{ kind: 'power', v: 1, op: 'explode' }, /^power\.op must be one of/],
  [{ kind: 'start', v: 1 }, /^start\.config must be an object/],
  [{ kind: 'start', v: 1, config: [] }, /^start\.config must be an object/],
  [start({ name: undefined }), /^start\.config\.name must be text/],
  [start({ memoryMiB: '1024' }), /^start\.config\.memoryMiB must be a whole number from 1 to 8589934592/],
  [start({ memoryMiB: 2 ** 40 }), /^start\.config\.memoryMiB must be a whole number/],
  [start({ memoryMiB: Number.NaN }), /^start\.config\.memoryMiB must be a whole number/],
  [start({ memoryMiB: 0.5 }), /^start\.config\.memoryMiB must be a whole number/],
  [start({ cpus: 2 ** 32 }), /^start\.config\.cpus must be a whole number from 1 to 4294967295/],
  [start({ cpus: Infinity }), /^start\.config\.cpus must be a whole number/],
  [start({ cpus: -1 }), /^start\.config\.cpus must be a whole number/],
  [start({ firmware: 'efi' }), /^start\.config\.firmware must be one of none, seabios/],
  [start({ kernel: 'vmlinuz' }), /^start\.config\.kernel must be an absolute path/],
  [start({ initrd: '/boot/x\0y' }), /^start\.config\.initrd must be an absolute path/],
  [start({ vmxPath: '/' + 'a'.repeat(5000) }), /^start\.config\.vmxPath must be an absolute path/],
  [start({ append: 5 }), /^start\.config\.append must be text/],
  [start({ append: 'x'.repeat((1 << 20) + 1) }), /^start\.config\.append must be text of at most 1048576 characters/],
  [start({ noReboot: 'yes' }), /^start\.config\.noReboot must be true or false/],
  [start({ externalDisks: '/srv/a.iso' }), /^start\.config\.externalDisks must be a list/],
  [start({ externalDisks: ['../a.iso'] }), /^start\.config\.externalDisks\[0\] must be an absolute path/],
  [start({ display: { maxWidth: 1024 } }), /^start\.config\.display\.maxHeight must be a whole number/],
  [start({ tools: { syncTime: 1, copyAllowed: true, pasteAllowed: true } }), /^start\.config\.tools\.syncTime must be true or false/],
  [start({ guestInfo: { 'guestinfo.a': 1 } }), /^start\.config\.guestInfo must map keys/],
  [start({ guestInfo: ['a'] }), /^start\.config\.guestInfo must be an object/],
  [start({ disks: [{ path: '/d.vmdk', kind: 'floppy' }] }), /^start\.config\.disks\[0\]\.kind must be one of disk, cdrom/],
  [start({ disks: [{ kind: 'disk' }] }), /^start\.config\.disks\[0\]\.path must be an absolute path/],
  [start({ disks: [null] }), /^start\.config\.disks\[0\] must be an object/],
  [start({ disks: new Array(70_000).fill({ path: '/a', kind: 'disk' }) }), /^start\.config\.disks must be a list of at most 65536/],
  [start({ nics: [{ model: 'e1000', connection: 'nat', mac: '01:00:5e:00:00:01' }] }), /multicast/],
  [start({ nics: [{ model: 'e1000', connection: 'nat', mac: 42 }] }), /^start\.config\.nics\[0\]\.mac must be text/],
  [start({ nics: [{ model: 'pcnet', connection: 'nat', mac: '00:0c:29:00:00:01' }] }), /^start\.config\.nics\[0\]\.model must be one of e1000, vmxnet3/],
  [start({ nics: [{ model: 'e1000', connection: 'nat', mac: '00:0c:29:00:00:01', portForwards: [{ protocol: 'tcp', hostPort: 70000, guestPort: 80 }] }] }), /portForwards\[0\]\.hostPort must be a whole number from 1 to 65535/],
  [{ kind: 'serial-in', v: 1, data: [104, 105] }, /^serial-in\.data must be bytes/],
  [{ kind: 'serial-in', v: 1, data: 'hi' }, /^serial-in\.data must be bytes/],
  [{ kind: 'serial-in', v: 1 }, /^serial-in\.data must be bytes/],
  [{ kind: 'serial-in', v: 1, data: new Uint8Array(16 * 1024 * 1024 + 1) }, /^serial-in\.data must be bytes \(a Uint8Array of at most 16777216\)/],
  [{ kind: 'serial-flow', v: 1, paused: 0 }, /^serial-flow\.paused must be true or false/],
  [{ kind: 'screenshot', v: 1, id: 1, path: 'shot.png' }, /^screenshot\.path must be an absolute path/],
  [{ kind: 'screenshot', v: 1, id: 2 ** 60, path: '/a.png' }, /^screenshot\.id must be a whole number/],
  [{ kind: 'key', v: 1, code: 'KeyA' }, /^key\.down must be true or false/],
  [{ kind: 'key', v: 1, code: { toString: 'KeyA' }, down: true }, /^key\.code must be text/],
  [{ kind: 'pointer', v: 1, x: 1e300, y: 0, buttons: 0 }, /^pointer\.x must be a whole number from 0 to 65535/],
  [{ kind: 'pointer', v: 1, x: 0, y: -5, buttons: 0 }, /^pointer\.y must be a whole number/],
  [{ kind: 'pointer', v: 1, x: 0, y: 0 }, /^pointer\.buttons must be a whole number/],
  [{ kind: 'viewport', v: 1, width: 2 ** 31, height: 600 }, /^viewport\.width must be a whole number from 0 to 65535/],
  [{ kind: 'host-clipboard', v: 1, text: null }, /^host-clipboard\.text must be text/],
  [{ kind: 'set-tools-option', v: 1, option: 'dragdrop', enabled: true }, /^set-tools-option\.option must be one of syncTime, copy, paste/],
  [{ kind: 'guestinfo-set', v: 1, key: '', value: 'y' }, /^guestinfo-set\.key must be text of 1 to 256 characters/],
  [{ kind: 'guestinfo-set', v: 1, key: 'guestinfo.x', value: 'y'.repeat(65537) }, /^guestinfo-set\.value must be text of at most 65536 characters/],
  [{ kind: 'frames', v: 1, enabled: 'true' }, /^frames\.enabled must be true or false/],
  [{ kind: 'net-link', v: 1, index: 2 ** 32, up: true }, /^net-link\.index must be a whole number from 0 to 65535/],
];

describe('parseHostRequest', () => {
  it('passes every kind of request clients send through unchanged', () => {
    for (const r of GOOD) expect(parseHostRequest(r)).toEqual(r);
  });

  it('returns a clean copy: fields HostRequest does not name are left out', () => {
    const r = parseHostRequest({ kind: 'power', v: 1, op: 'stop', extra: 'x' });
    expect(r).toEqual({ kind: 'power', v: 1, op: 'stop' });
    const s = parseHostRequest(start({ evil: true, disks: [{ path: '/d', kind: 'disk', size: 1 }], display: undefined })) as Extract<HostRequest, { kind: 'start' }>;
    expect(Object.keys(s.config)).not.toContain('evil');
    expect(Object.keys(s.config)).not.toContain('display');
    expect(s.config.disks).toEqual([{ path: '/d', kind: 'disk' }]);
  });

  it.each(BAD.map(([raw, why], i) => [i, raw, why] as const))('refuses malformed request %i with one line naming the field', (_i, raw, why) => {
    const r = parseHostRequest(raw);
    expect(typeof r).toBe('string');
    expect(r as string).toMatch(why);
    expect(r as string).not.toContain('\n');
    expect((r as string).length).toBeLessThan(300);
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ kind: fc.constantFrom(...GOOD.map((g) => g.kind)), v: fc.constantFrom(1, 2), config: fc.anything(), op: fc.anything(), data: fc.anything(), x: fc.anything() })), (raw) => {
        const r = parseHostRequest(raw);
        expect(typeof r === 'string' || (typeof r === 'object' && r !== null)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('admitRequest', () => {
  const sink = () => {
    const got = { handled: [] as HostRequest[], refused: [] as string[], replies: [] as HostEvent[] };
    return { got, reply: (e: HostEvent) => got.replies.push(e), sink: { handle: (r: HostRequest) => got.handled.push(r), refuseStart: (m: string) => got.refused.push(m) } };
  };

  it('hands a good request on and answers a bad one with one error event to its sender', () => {
    const { got, reply, sink: s } = sink();
    admitRequest({ kind: 'frames', v: 1, enabled: true }, reply, s);
    expect(got.handled).toEqual([{ kind: 'frames', v: 1, enabled: true }]);
    expect(got.replies).toEqual([]);
    admitRequest({ kind: 'frames', v: 1 }, reply, s);
    expect(got.handled).toHaveLength(1);
    expect(got.replies).toEqual([{ kind: 'error', v: 1, error: { code: 'invalid-argument', message: 'the VM host refused a request: frames.enabled must be true or false' } }]);
    expect(got.refused).toEqual([]);
  });

  it('ends the run on a bad start, as a start that failed', () => {
    const { got, reply, sink: s } = sink();
    admitRequest(start({ cpus: 0 }), reply, s);
    expect(got.refused).toEqual(['the VM host refused a request: start.config.cpus must be a whole number from 1 to 4294967295']);
    expect(got.replies).toEqual([]);
    expect(got.handled).toEqual([]);
  });
});

// The real host process (npm run build:ts and build:native make it): garbage in, one error
// event each, and it still answers afterwards. Needs no /dev/kvm: hello and vm-log work without.
const VMHOST = path.resolve(__dirname, '../../out/electron/vmhost/vmHostMain.js');

function hostProcess() {
  if (!fs.existsSync(VMHOST)) throw new Error(`${VMHOST} is not built: run npm run build:ts (and npm run build:native)`);
  const host = startChildHost({ module: VMHOST, output: 'pipe' });
  let stderr = '';
  host.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const events: HostEvent[] = [];
  const waiters: (() => void)[] = [];
  host.onEvent((e) => {
    events.push(e);
    for (const w of waiters.splice(0)) w();
  });
  const until = (pred: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; events: ${events.map((e) => e.kind).join(', ')}; stderr: ${stderr}`)), 15_000);
      const check = () => (pred() ? (clearTimeout(timer), resolve()) : waiters.push(check));
      check();
    });
  return { host, events, until };
}

describe('the VM host process', () => {
  it('answers each malformed request with one error and keeps running', async () => {
    const { host, events, until } = hostProcess();
    try {
      await until(() => events.some((e) => e.kind === 'hello'));
      // A bad start ends the run (next test); process.send(undefined) sends nothing.
      const garbage = BAD.map(([raw]) => raw).filter((raw) => raw !== undefined && (raw as { kind?: unknown } | null)?.kind !== 'start');
      for (const raw of garbage) host.send(raw as HostRequest);
      host.send({ kind: 'vm-log', v: 1 });
      await until(() => events.some((e) => e.kind === 'vm-log'));
      const errors = events.filter((e): e is Extract<HostEvent, { kind: 'error' }> => e.kind === 'error');
      expect(errors).toHaveLength(garbage.length);
      for (const e of errors) expect(e.error).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/^the VM host refused a request: /) });
      expect(host.connected).toBe(true);
    } finally {
      host.kill();
    }
  });

  it('reports a malformed start as a failed start and exits', async () => {
    const { host, events, until } = hostProcess();
    const exited = new Promise<number | null>((resolve) => host.onExit((code) => resolve(code)));
    try {
      await until(() => events.some((e) => e.kind === 'hello'));
      host.send(start({ memoryMiB: 2 ** 40 }) as HostRequest);
      expect(await exited).toBe(0);
      expect(events.filter((e) => e.kind === 'error' || e.kind === 'state')).toEqual([
        { kind: 'error', v: 1, error: { code: 'invalid-argument', message: 'the VM host refused a request: start.config.memoryMiB must be a whole number from 1 to 8589934592' } },
        { kind: 'state', v: 1, state: 'stopped', reason: 'error' },
      ]);
    } finally {
      host.kill();
    }
  });
});
