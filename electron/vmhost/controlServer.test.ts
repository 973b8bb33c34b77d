// The control socket of a running VM, with the VM host's ToolsBridge behind it (its
// backdoor is a stub here: this tests the socket layer; the KVM tier runs it for real).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { controlRequest } from '../cli/guestinfo';
import { controlSocketPath } from '../vmfiles/controlSocket';
import { ControlServer, parseControlRequest } from './controlServer';
import { ToolsBridge, type ToolsBackdoor } from './toolsBridge';

const stub: ToolsBackdoor = {
  onGuestRpc: () => undefined,
  mirrorGuestInfo: () => undefined,
  setBackdoorState: () => undefined,
  setHostClipboard: () => undefined,
  setClipboardPolicy: () => undefined,
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function serve(): Promise<{ socket: string; bridge: ToolsBridge }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-control-'));
  const vmx = path.join(dir, 'My VM.vmx');
  fs.writeFileSync(vmx, '.encoding = "UTF-8"\n');
  const socket = controlSocketPath(vmx, { XDG_RUNTIME_DIR: dir });
  const bridge = new ToolsBridge(stub, { name: 'x', memoryMiB: 1, cpus: 1, firmware: 'none', guestInfo: { 'guestinfo.fromvmx': 'vmx value' } }, () => undefined);
  const server = new ControlServer(socket, (r) => bridge.control(r), (e) => {
    throw e;
  });
  cleanups.push(() => {
    server.close();
    bridge.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await server.ready;
  return { socket, bridge };
}

describe('VM control socket', () => {
  it('gets and sets guestinfo keys of the tools service, .vmx keys included', async () => {
    const { socket, bridge } = await serve();
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
    expect(await controlRequest(socket, { kind: 'guestinfo-get', v: 1, key: 'guestinfo.fromvmx' })).toEqual({ ok: true, value: 'vmx value' });
    expect(await controlRequest(socket, { kind: 'guestinfo-set', v: 1, key: 'answer', value: '42' })).toEqual({ ok: true });
    expect(bridge.tools.getGuestInfo('guestinfo.answer')).toBe('42');
    // A key the guest set (RPCI info-set) reads back the same way.
    bridge.tools.onMessage(1, false, 'info-set guestinfo.fromguest hello\0');
    expect(await controlRequest(socket, { kind: 'guestinfo-get', v: 1, key: 'fromguest' })).toEqual({ ok: true, value: 'hello' });
    expect(await controlRequest(socket, { kind: 'guestinfo-get', v: 1, key: 'guestinfo.none' })).toEqual({ ok: false, error: 'guestinfo.none: no value' });
    expect(await controlRequest(socket, { kind: 'guestinfo-set', v: 1, key: 'bad key', value: 'x' })).toEqual({ ok: false, error: 'bad key: Invalid key' });
  });

  it('answers a malformed line with an error and hangs up', async () => {
    const { socket } = await serve();
    const answer = await new Promise<string>((resolve) => {
      const c = net.connect(socket, () => c.write('{"kind":"guestinfo-get","v":1}\n'));
      let got = '';
      c.on('data', (d) => (got += d.toString()));
      c.on('close', () => resolve(got));
    });
    expect(JSON.parse(answer)).toEqual({ ok: false, error: 'bad request: a key of 1..256 characters is needed' });
    expect(parseControlRequest('[')).toBe('not JSON');
    expect(parseControlRequest('{"kind":"guestinfo-set","v":1,"key":"k"}')).toMatch(/value/);
    expect(parseControlRequest('{"kind":"reboot","v":1,"key":"k"}')).toBe('unknown request kind');
  });

  it('refuses a socket directory other users can enter', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-control-open-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const open = path.join(dir, 'open');
    fs.mkdirSync(open, { mode: 0o755 });
    fs.chmodSync(open, 0o755);
    expect(() => new ControlServer(path.join(open, 'x.sock'), () => ({ ok: true }), () => undefined)).toThrow(/open to other users/);
  });
});
