// `vireo guestinfo VM.vmx get|set` against a VM that `vireo run VM.vmx` runs on KVM: a
// second CLI process reads the .vmx's guestinfo key and sets and reads one while the VM
// runs (vmrun readVariable/writeVariable guestVar), through the VM host's control socket;
// the run leaves a vmware.log in the VM folder.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { ROOT, runCli } from '../testing/runCli';
import { createCommand } from './libraryCommands';

const kvm = kvmAvailable();
const lib = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-guestinfo-kvm-'));
afterAll(() => fs.rmSync(lib, { recursive: true, force: true }));

describe.runIf(kvm)('vireo guestinfo on a running VM', () => {
  it('reads the .vmx key, sets and reads keys while the VM runs, and says when it is not running', async () => {
    let vmx = '';
    createCommand(['guestinfo', '--memory', '64M', '--cpus', '1', '--disk', '4M'], (t) => (vmx = t.trim()), { VIREO_LIBRARY: lib });
    fs.appendFileSync(vmx, 'guestinfo.fromvmx = "hello from the vmx"\n');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/vireo.js'), 'run', vmx, '--timeout', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString('latin1');
          if (/Booting from Hard Disk/.test(stdout)) resolve();
        });
        void exited.then((code) => reject(new Error(`vireo run ended (${code}) before SeaBIOS booted:\n${stdout}`)));
      });
      const fromVmx = await runCli(['guestinfo', vmx, 'get', 'guestinfo.fromvmx']);
      expect(fromVmx.stderr).toBe('');
      expect(fromVmx.stdout).toBe('hello from the vmx\n');
      expect(fromVmx.code).toBe(0);
      const set = await runCli(['guestinfo', vmx, 'set', 'live', 'set while running']);
      expect([set.code, set.stdout, set.stderr]).toEqual([0, '', '']);
      const live = await runCli(['guestinfo', vmx, 'get', 'guestinfo.live']);
      expect([live.code, live.stdout]).toEqual([0, 'set while running\n']);
      const none = await runCli(['guestinfo', vmx, 'get', 'none']);
      expect([none.code, none.stdout, none.stderr]).toEqual([1, '', 'vireo: none: no value\n']);
    } finally {
      expect(await exited).toBe(103); // stopped by --timeout
    }
    // The run left its vmware.log in the VM folder (VMware's name and line shape).
    const log = fs.readFileSync(path.join(path.dirname(vmx), 'vmware.log'), 'utf8');
    expect(log).toMatch(/^\S+Z In\(05\) vmx - Power on .*guestinfo\.vmx: 64 MiB, 1 vCPU\(s\)/m);
    expect(log).toMatch(/In\(05\) vmx - VM state: running$/m);
    expect(log).toMatch(/In\(05\) vmx - VM state: stopped \(host/m);
    const stopped = await runCli(['guestinfo', vmx, 'get', 'live']);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toMatch(/guestinfo\.vmx is not running \(no VM host at .*\): start it with vireo run /);
    const bad = await runCli(['guestinfo', vmx, 'set', 'live']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('guestinfo set needs a VALUE');
  }, 120_000);
});
