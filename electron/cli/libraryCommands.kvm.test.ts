// A VM made by `vireo create` runs under `vireo run NAME.vmx` on KVM, and the library
// listing shows it running (its .vmx lock held by the live run) and stopped afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { ROOT, runCli } from '../testing/runCli';
import { listVms } from '../vmfiles/library';
import { openDisk } from '../vmfiles/vmdk/index';
import { createCommand } from './libraryCommands';

const kvm = kvmAvailable();
const lib = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-library-kvm-'));
afterAll(() => fs.rmSync(lib, { recursive: true, force: true }));
const BOOT_SECTOR = path.join(ROOT, 'native/firmware/build/bootsector.bin');
const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!haveQemuImg && process.env.VIREO_REQUIRE_TOOLS === '1') throw new Error('VIREO_REQUIRE_TOOLS=1 but qemu-img is not on PATH');

function create(name: string): string {
  let vmx = '';
  createCommand([name, '--memory', '64M', '--cpus', '1', '--disk', '4M'], (t) => (vmx = t.trim()), { VIREO_LIBRARY: lib });
  return vmx;
}

describe.runIf(kvm)('the VM library on KVM', () => {
  it('a new VM (empty disk) is listed running while SeaBIOS looks for a boot disk, stopped after', async () => {
    const vmx = create('empty');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/vireo.js'), 'run', vmx, '--timeout', '12'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString('latin1');
        if (/Booting from Hard Disk/.test(stdout)) resolve();
      });
      void exited.then((code) => reject(new Error(`vireo run ended (${code}) before SeaBIOS booted:\n${stdout}`)));
    });
    const running = listVms([lib]).vms;
    expect(running).toEqual([expect.objectContaining({ vmxPath: vmx, name: 'empty', state: 'running', memoryMiB: 64, cpus: 1 })]);
    expect(running[0].lockHolder).toMatch(/^pid \d+ since /);
    expect(running[0].disks).toEqual([expect.objectContaining({ device: 'ide0:0', virtualSize: 4 * 2 ** 20 })]);
    expect(await exited).toBe(103); // stopped from the host by --timeout
    expect(listVms([lib]).vms[0].state).toBe('stopped');
    expect(fs.existsSync(`${vmx}.lck`)).toBe(false);
    fs.rmSync(path.dirname(vmx), { recursive: true });
  });

  it('a new VM boots the boot sector written into its VMDK, and the VMDK stays valid', async () => {
    const vmx = create('boots');
    const vmdk = path.join(path.dirname(vmx), 'boots.vmdk');
    const disk = openDisk(vmdk);
    disk.write(0, fs.readFileSync(BOOT_SECTOR).subarray(0, 512));
    disk.flush();
    disk.close();
    const r = await runCli(['run', vmx, '--timeout', '120'], { timeoutMs: 150_000 });
    expect(r.stdout).toContain('Vireo boot sector: booted from disk');
    expect(r.code).toBe(0);
    if (haveQemuImg) execFileSync('qemu-img', ['check', vmdk]);
  });
});
