// `vireo guestinfo` as a user runs it (bin/vireo.js), against a control socket served by
// the VM host's ControlServer and ToolsBridge in this process (no KVM needed; the KVM tier
// runs the same command against a VM that `vireo run` runs).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../testing/runCli';
import { controlSocketPath } from '../vmfiles/controlSocket';
import { ControlServer } from '../vmhost/controlServer';
import { ToolsBridge, type ToolsBackdoor } from '../vmhost/toolsBridge';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-guestinfo-cli-'));
const env = { XDG_RUNTIME_DIR: dir };
const vmx = path.join(dir, 'Running VM.vmx');
const idle = path.join(dir, 'Stopped VM.vmx');
const stub: ToolsBackdoor = {
  onGuestRpc: () => undefined,
  mirrorGuestInfo: () => undefined,
  setBackdoorState: () => undefined,
  setHostClipboard: () => undefined,
  setClipboardPolicy: () => undefined,
};
let bridge: ToolsBridge;
let server: ControlServer;

beforeAll(async () => {
  fs.writeFileSync(vmx, '.encoding = "UTF-8"\n');
  fs.writeFileSync(idle, '.encoding = "UTF-8"\n');
  bridge = new ToolsBridge(stub, { name: 'Running VM', memoryMiB: 1, cpus: 1, firmware: 'none', guestInfo: { 'guestinfo.fromvmx': 'hello' } }, () => undefined);
  server = new ControlServer(controlSocketPath(vmx, env), (r) => bridge.control(r), (e) => {
    throw e;
  });
  await server.ready;
});
afterAll(() => {
  server.close();
  bridge.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('vireo guestinfo', () => {
  it('gets and sets guestinfo variables of a running VM', async () => {
    expect(await runCli(['guestinfo', vmx, 'get', 'guestinfo.fromvmx'], { env })).toMatchObject({ code: 0, stdout: 'hello\n', stderr: '' });
    expect(await runCli(['guestinfo', vmx, 'set', 'color', 'blue green'], { env })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(bridge.tools.getGuestInfo('guestinfo.color')).toBe('blue green');
    expect(await runCli(['guestinfo', vmx, 'get', 'color'], { env })).toMatchObject({ code: 0, stdout: 'blue green\n' });
    expect(await runCli(['guestinfo', vmx, 'get', 'missing'], { env })).toMatchObject({ code: 1, stdout: '', stderr: 'vireo: missing: no value\n' });
  });

  it('names the VM and the remedy when it is not running, and refuses bad arguments', async () => {
    const stopped = await runCli(['guestinfo', idle, 'get', 'x'], { env });
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toBe(`vireo: ${idle} is not running (no VM host at ${controlSocketPath(idle, env)}): start it with vireo run ${idle}\n`);
    const nofile = await runCli(['guestinfo', path.join(dir, 'nope.vmx'), 'get', 'x'], { env });
    expect([nofile.code, nofile.stderr]).toEqual([2, `vireo: ${path.join(dir, 'nope.vmx')}: no such file: name the .vmx of a running VM\n`]);
    const noValue = await runCli(['guestinfo', vmx, 'set', 'x'], { env });
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toMatch(/^vireo: guestinfo set needs a VALUE\n/);
    expect((await runCli(['guestinfo', vmx, 'put', 'x'], { env })).code).toBe(2);
  });
});
