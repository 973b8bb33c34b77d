// Disks the guest sees, on KVM through the real CLI: project guests read and write
// through ATA and virtio-blk (the host checks the bytes), SeaBIOS boots a VMDK, a .vmx
// boots, and a disk is never opened twice.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, ROOT, runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-disks-'));
const BOOT_SECTOR = path.join(ROOT, 'native/firmware/build/bootsector.bin');
const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!haveQemuImg) throw new Error('qemu-img is missing: apt-get install qemu-utils');

// The image native/guests/disk_layout.h describes: marker in sector 0, pattern in 100.
function testImage(file: string): void {
  const img = Buffer.alloc(128 * 512);
  img.write('VIREO DISK TEST\0', 0, 'latin1');
  for (let i = 0; i < 512; i++) img[100 * 512 + i] = (i * 7 + 3) & 0xff;
  fs.writeFileSync(file, img);
}

function sector101Written(raw: Buffer): boolean {
  for (let i = 0; i < 512; i++) if (raw[101 * 512 + i] !== ((i * 13 + 0x21) & 0xff)) return false;
  return true;
}

function bootDisk(dir: string, name: string): string {
  const raw = path.join(dir, `${name}.raw`);
  const img = Buffer.alloc(4 << 20);
  fs.readFileSync(BOOT_SECTOR).copy(img, 0);
  fs.writeFileSync(raw, img);
  const vmdk = path.join(dir, `${name}.vmdk`);
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', raw, vmdk]);
  return vmdk;
}

describe.runIf(kvm)('disks on KVM', () => {
  for (const bus of ['ide', 'virtio'] as const) {
    it(`a guest reads and writes a raw disk through ${bus === 'ide' ? 'ATA (PIIX3 IDE)' : 'virtio-blk'}`, async () => {
      const file = path.join(tmp, `${bus}.raw`);
      testImage(file);
      const guest = path.join(GUESTS, bus === 'ide' ? 'disk_ata.bin' : 'disk_virtio.bin');
      const r = await runCli(['run', '--kernel', guest, '--disk', `${file},${bus}`]);
      expect(r.stdout).toContain('sector 100 fnv1a e161b9c5 pattern ok');
      expect(r.stdout).toMatch(/PASS disk_(ata|virtio)/);
      expect(r.code).toBe(0);
      expect(sector101Written(fs.readFileSync(file))).toBe(true);
    });
  }

  it('writes through a sparse VMDK land where qemu-img reads them, and qemu-img check agrees', async () => {
    const raw = path.join(tmp, 'base.raw');
    testImage(raw);
    const vmdk = path.join(tmp, 'sparse.vmdk');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', raw, vmdk]);
    const r = await runCli(['run', '--kernel', path.join(GUESTS, 'disk_virtio.bin'), '--disk', `${vmdk},virtio`]);
    expect(r.code).toBe(0);
    execFileSync('qemu-img', ['check', vmdk]);
    const back = path.join(tmp, 'back.raw');
    execFileSync('qemu-img', ['convert', '-f', 'vmdk', '-O', 'raw', vmdk, back]);
    expect(sector101Written(fs.readFileSync(back))).toBe(true);
  });

  it('SeaBIOS boots a boot sector from a VMDK and it prints to serial', async () => {
    const vmdk = bootDisk(tmp, 'boot');
    const r = await runCli(['run', '--disk', vmdk, '--timeout', '120'], { timeoutMs: 150_000 });
    expect(r.stdout).toContain('Booting from Hard Disk');
    expect(r.stdout).toContain('Vireo boot sector: booted from disk');
    expect(r.code).toBe(0);
  });

  it('SeaBIOS boots an El Torito ISO from the ATAPI CD-ROM', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'iso-'));
    fs.copyFileSync(BOOT_SECTOR, path.join(root, 'boot.img'));
    const iso = path.join(tmp, 'boot.iso');
    execFileSync('genisoimage', ['-quiet', '-o', iso, '-b', 'boot.img', '-no-emul-boot', '-boot-load-size', '4', root]);
    const r = await runCli(['run', '--cdrom', iso, '--timeout', '120'], { timeoutMs: 150_000 });
    expect(r.stdout).toContain('Booting from DVD/CD');
    expect(r.stdout).toContain('Vireo boot sector: booted from disk');
    expect(r.code).toBe(0);
  });

  it('a VMware VM folder (.vmx + .vmdk) boots by its .vmx, locked while it runs', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'vm-'));
    bootDisk(dir, 'disk');
    const vmx = path.join(dir, 'Test VM.vmx');
    fs.writeFileSync(
      vmx,
      '.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "21"\ndisplayName = "Test VM"\nguestOS = "other"\n' +
        'memsize = "64"\nnumvcpus = "1"\nide0:0.present = "TRUE"\nide0:0.fileName = "disk.vmdk"\nunknown.key = "kept"\n',
    );
    const r = await runCli(['run', vmx, '--timeout', '120'], { timeoutMs: 150_000 });
    expect(r.stdout).toContain('Vireo boot sector: booted from disk');
    expect(r.code).toBe(0);
    expect(fs.existsSync(`${vmx}.lck`)).toBe(false); // released at the end
  });

  it('a Workstation-style .vmx boots from nvme0:0 with its CD at sata0:1 (each drive at its own position)', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'ws-'));
    bootDisk(dir, 'disk');
    const root = fs.mkdtempSync(path.join(tmp, 'data-'));
    fs.writeFileSync(path.join(root, 'README.TXT'), 'not bootable\n');
    execFileSync('genisoimage', ['-quiet', '-o', path.join(dir, 'data.iso'), root]);
    const vmx = path.join(dir, 'WS.vmx');
    fs.writeFileSync(vmx, '.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "21"\nmemsize = "64"\nfirmware = "bios"\n' +
      'nvme0.present = "TRUE"\nnvme0:0.fileName = "disk.vmdk"\nnvme0:0.present = "TRUE"\nsata0.present = "TRUE"\n' +
      'sata0:1.deviceType = "cdrom-image"\nsata0:1.fileName = "data.iso"\nsata0:1.present = "TRUE"\n');
    const r = await runCli(['run', vmx, '--timeout', '120'], { timeoutMs: 150_000 });
    expect(r.stdout).toContain('Vireo boot sector: booted from disk');
    expect(r.code).toBe(0);
  });

  it('a disk in use by another VM is refused with one clear line, and nothing is written', async () => {
    const vmdk = bootDisk(tmp, 'locked');
    // Another program's lock as VMware makes it: the directory with its M<id>.lck member.
    // (An empty one is a lock being created, and stale after 10 s: on a slow host the CLI
    // starts later than that.)
    fs.mkdirSync(`${vmdk}.lck`);
    fs.writeFileSync(path.join(`${vmdk}.lck`, 'M43642.lck'), '');
    const before = fs.readFileSync(vmdk);
    const r = await runCli(['run', '--disk', vmdk]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/lock/i);
    expect(fs.readFileSync(vmdk).equals(before)).toBe(true);
  });

  it('a corrupt VMDK and a malformed .vmx are named with the problem', async () => {
    const bad = path.join(tmp, 'bad.vmdk');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('KDMV'), Buffer.alloc(508, 0xff)]));
    const r = await runCli(['run', '--disk', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(bad);
    const vmx = path.join(tmp, 'broken.vmx');
    fs.writeFileSync(vmx, 'displayName = "x"\nmemsize = "64\n');
    const v = await runCli(['run', vmx]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/broken\.vmx:2/);
  });
});
