// Storage controllers beyond IDE and virtio, on KVM through the real CLI: project guests
// read and write through the AHCI HBA and the NVMe controller (the host checks the
// bytes), and SeaBIOS's own AHCI and NVMe drivers boot a VMDK from them (and an El Torito
// ISO from a SATA CD-ROM).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, ROOT, runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-storage-'));
const BOOT_SECTOR = path.join(ROOT, 'native/firmware/build/bootsector.bin');

// The image native/guests/disk_layout.h describes: marker in sector 0, pattern in 100.
function testImage(file: string): void {
  const img = Buffer.alloc(128 * 512);
  img.write('VIREO DISK TEST\0', 0, 'latin1');
  for (let i = 0; i < 512; i++) img[100 * 512 + i] = (i * 7 + 3) & 0xff;
  fs.writeFileSync(file, img);
}

describe.runIf(kvm)('storage controllers on KVM', () => {
  it('a guest reads and writes a disk through AHCI (SATA), and a read past the end is a task file error', async () => {
    const file = path.join(tmp, 'sata.raw');
    testImage(file);
    const r = await runCli(['run', '--kernel', path.join(GUESTS, 'disk_ahci.bin'), '--disk', `${file},sata`, '--stats']);
    expect(r.stdout).toContain('ahci: 07e015ad');
    expect(r.stdout).toContain('ahci: read past the end: task file error 1441');
    expect(r.stdout).toContain('ahci: sector 101 written, flushed, read back ok');
    expect(r.stdout).toContain('PASS disk_ahci');
    expect(r.stdout + r.stderr).toMatch(/ahci\.bar5\s+0x[0-9a-f]+/); // --stats names the controller
    expect(r.code).toBe(0);
    const back = fs.readFileSync(file);
    for (let i = 0; i < 512; i++) expect(back[101 * 512 + i]).toBe((i * 13 + 0x21) & 0xff);
  });

  it('a guest reads and writes a disk through NVMe, and a read past the end is LBA Out of Range', async () => {
    const file = path.join(tmp, 'nvme.raw');
    testImage(file);
    const r = await runCli(['run', '--kernel', path.join(GUESTS, 'disk_nvme.bin'), '--disk', `${file},nvme`]);
    expect(r.stdout).toContain('nvme: 07f015ad');
    expect(r.stdout).toContain('nvme: read past the end: LBA Out of Range');
    expect(r.stdout).toContain('nvme: sector 101 written, flushed, read back ok');
    expect(r.stdout).toContain('PASS disk_nvme');
    expect(r.code).toBe(0);
    const back = fs.readFileSync(file);
    for (let i = 0; i < 512; i++) expect(back[101 * 512 + i]).toBe((i * 13 + 0x21) & 0xff);
  });

  // What SeaBIOS's debug log (port 0x402) shows of the driver that found the disk.
  const drivers = {
    sata: /AHCI\/0: registering: "AHCI\/0: VMware Virtual SATA Hard Drive/,
    // nvme.c's own lines are below the log level Debian builds with; its boot-order
    // lookup names the controller's PCI slot (8).
    nvme: /Searching bootorder for: \/pci@i0cf8\/\*@8/,
  };
  for (const bus of ['sata', 'nvme'] as const) {
    it(`SeaBIOS's ${bus === 'sata' ? 'AHCI' : 'NVMe'} driver boots a boot sector from a VMDK on ${bus}`, async () => {
      const raw = path.join(tmp, `boot-${bus}.raw`);
      const img = Buffer.alloc(4 << 20);
      fs.readFileSync(BOOT_SECTOR).copy(img, 0);
      fs.writeFileSync(raw, img);
      const vmdk = path.join(tmp, `boot-${bus}.vmdk`);
      execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', raw, vmdk]);
      const log = path.join(tmp, `seabios-${bus}.log`);
      const r = await runCli(['run', '--disk', `${vmdk},${bus}`, '--timeout', '120'], {
        timeoutMs: 150_000,
        env: { VIREO_DEBUGCON: log },
      });
      expect(r.stdout).toContain('Booting from Hard Disk');
      expect(r.stdout).toContain('Vireo boot sector: booted from disk');
      expect(r.code).toBe(0);
      expect(fs.readFileSync(log, 'latin1')).toMatch(drivers[bus]);
    });
  }

  it("SeaBIOS's AHCI driver boots an El Torito ISO from a SATA CD-ROM", async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'iso-'));
    fs.copyFileSync(BOOT_SECTOR, path.join(root, 'boot.img'));
    const iso = path.join(tmp, 'boot.iso');
    execFileSync('genisoimage', ['-quiet', '-o', iso, '-b', 'boot.img', '-no-emul-boot', '-boot-load-size', '4', root]);
    const log = path.join(tmp, 'seabios-cd.log');
    const r = await runCli(['run', '--cdrom', `${iso},sata`, '--timeout', '120'], {
      timeoutMs: 150_000,
      env: { VIREO_DEBUGCON: log },
    });
    expect(r.stdout).toContain('Booting from DVD/CD');
    expect(r.stdout).toContain('Vireo boot sector: booted from disk');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(log, 'latin1')).toContain('DVD/CD [AHCI/0: VMware Virtual SATA CDRW Drive');
  });
});
