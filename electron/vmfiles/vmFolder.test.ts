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
    const vm = openVm(path.join(dir, 'vm.vmx'));
    expect(vm.settings.memsizeMiB).toBe(64);
    expect(vm.disks.map((d) => [d.device.kind, d.path, d.image?.size])).toEqual([
      ['disk', path.join(dir, 'disk.vmdk'), 4 << 20],
      ['cdrom-image', '/isos/x.iso', undefined],
    ]);
    expect(fs.existsSync(path.join(dir, 'vm.vmx.lck'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'disk.vmdk.lck'))).toBe(true);
    expect(() => openVm(path.join(dir, 'vm.vmx'))).toThrow(LockedError);
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
});
