import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockedError } from './lock';
import { openVm } from './vmFolder';
import { DiskError, createSparseVmdk } from './vmdk/index';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vm-'));
  createSparseVmdk(path.join(dir, 'disk.vmdk'), 4 << 20);
  fs.writeFileSync(path.join(dir, 'vm.vmx'), [
    '.encoding = "UTF-8"', 'displayName = "t"', 'memsize = "64"',
    'scsi0:0.present = "TRUE"', 'scsi0:0.fileName = "disk.vmdk"',
    'ide1:0.present = "TRUE"', 'ide1:0.deviceType = "cdrom-image"', 'ide1:0.fileName = "/isos/x.iso"',
    'ide1:1.present = "FALSE"', 'ide1:1.fileName = "gone.vmdk"', '',
  ].join('\n'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('openVm', () => {
  it('locks the VM and its disks, opens present disks, resolves CD paths', () => {
    const vm = openVm(path.join(dir, 'vm.vmx'), { allowExternalDisks: true });
    expect(vm.settings.memsizeMiB).toBe(64);
    expect(vm.disks.map((d) => [d.device.kind, d.path, d.image?.size])).toEqual([
      ['disk', path.join(dir, 'disk.vmdk'), 4 << 20],
      ['cdrom-image', '/isos/x.iso', undefined],
    ]);
    expect(fs.existsSync(path.join(dir, 'vm.vmx.lck'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'disk.vmdk.lck'))).toBe(true);
    expect(() => openVm(path.join(dir, 'vm.vmx'), { allowExternalDisks: true })).toThrow(LockedError);
    vm.disks[0].image!.write(0, Buffer.from('boot'));
    vm.close();
    vm.close();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.lck'))).toEqual([]);
  });

  it('undoes locks when a disk cannot be opened', () => {
    fs.writeFileSync(path.join(dir, 'bad.vmx'), 'scsi0:1.present = "TRUE"\nscsi0:1.fileName = "missing.vmdk"\n');
    expect(() => openVm(path.join(dir, 'bad.vmx'))).toThrow(DiskError);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.lck'))).toEqual([]);
  });

  it('refuses disks and CD images outside the VM folder unless allowed, before any lock', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vm-other-'));
    createSparseVmdk(path.join(other, 'shared.vmdk'), 1 << 20);
    const vmDir = fs.mkdtempSync(path.join(dir, 'ext-'));
    fs.symlinkSync(path.join(other, 'shared.vmdk'), path.join(vmDir, 'link.vmdk'));
    for (const name of [path.join(other, 'shared.vmdk'), '../' + path.basename(other) + '/shared.vmdk', 'link.vmdk']) {
      fs.writeFileSync(path.join(vmDir, 'e.vmx'), `scsi0:0.present = "TRUE"\nscsi0:0.fileName = "${name}"\n`);
      expect(() => openVm(path.join(vmDir, 'e.vmx'))).toThrow(/scsi0:0\.fileName names .*, which is outside the VM folder/);
      expect(fs.readdirSync(vmDir).filter((f) => f.endsWith('.lck'))).toEqual([]);
    }
    expect(() => openVm(path.join(dir, 'vm.vmx'))).toThrow(/ide1:0\.fileName names \/isos\/x\.iso, which is outside/);
    const vm = openVm(path.join(vmDir, 'e.vmx'), { allowExternalDisks: true });
    expect(vm.disks[0]!.image!.size).toBe(1 << 20);
    vm.close();
    fs.rmSync(other, { recursive: true, force: true });
  });
});
