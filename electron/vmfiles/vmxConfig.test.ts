import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VmxDocument } from './vmx';
import { VmxError } from './vmxError';
import { applyConfig, resolveVmxPath, vmxToConfig } from './vmxConfig';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

const VMX = `.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "19"
displayName = "Lab%2FVM |22one|22"
guestOS = "ubuntu-64"
memsize = "2048"
numvcpus = "2"
firmware = "efi"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "disk.vmdk"
scsi0:0.mode = "persistent"
ide1:0.present = "true"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "/isos/install.iso"
ide1:0.startConnected = "FALSE"
sata0:1.present = "TRUE"
sata0:1.deviceType = "atapi-cdrom"
nvme0:0.present = "TRUE"
nvme0:0.fileName = "fast.vmdk"
serial0.present = "TRUE"
serial0.fileType = "file"
serial0.fileName = "serial.log"
vhv.enable = "TRUE"
isolation.tools.copy.disable = "false"
isolation.tools.paste.disable = "TRUE"
isolation.tools.dnd.disable = "TRUE"
isolation.tools.getPtrLocation.disable = "FALSE"
tools.syncTime = "TRUE"
svga.autodetect = "FALSE"
svga.maxWidth = "2560"
svga.maxHeight = "1600"
svga.vramSize = "16777216"
guestinfo.hostname = "lab"
guestinfo.metadata.encoding = "base64"
ethernet0.virtualDev = "vmxnet3"
`;

describe('vmxToConfig', () => {
  it('maps the keys Vireo uses', () => {
    const s = vmxToConfig(VmxDocument.parse(enc(VMX)));
    expect(s.displayName).toBe('Lab/VM "one"');
    expect(s.guestOS).toBe('ubuntu-64');
    expect(s.memsizeMiB).toBe(2048);
    expect(s.numvcpus).toBe(2);
    expect(s.firmware).toBe('efi');
    expect(s.disks).toEqual([
      { bus: 'scsi', controller: 0, unit: 0, present: true, kind: 'disk', deviceType: undefined, fileName: 'disk.vmdk', startConnected: true },
      { bus: 'ide', controller: 1, unit: 0, present: true, kind: 'cdrom-image', deviceType: 'cdrom-image', fileName: '/isos/install.iso', startConnected: false },
      { bus: 'sata', controller: 0, unit: 1, present: true, kind: 'cdrom-raw', deviceType: 'atapi-cdrom', fileName: undefined, startConnected: true },
      { bus: 'nvme', controller: 0, unit: 0, present: true, kind: 'disk', deviceType: undefined, fileName: 'fast.vmdk', startConnected: true },
    ]);
    expect(s.controllers).toEqual([{ bus: 'scsi', index: 0, present: true, virtualDev: 'lsilogic' }]);
    expect(s.ethernet).toEqual([{ index: 0, present: false, virtualDev: 'vmxnet3', connectionType: 'bridged', startConnected: true }]);
    expect(s.serialPorts).toEqual([{ index: 0, present: true, fileType: 'file', fileName: 'serial.log' }]);
    expect(s.nestedVirtualization).toBe(true);
    expect(s.isolation).toEqual({ copyDisable: false, pasteDisable: true, other: { 'dnd.disable': true, 'getPtrLocation.disable': false } });
    expect(s.toolsSyncTime).toBe(true);
    expect(s.svga).toEqual({ maxWidth: 2560, maxHeight: 1600, vramSizeBytes: 16777216, autodetect: false });
    expect(s.guestinfo).toEqual({ hostname: 'lab', 'metadata.encoding': 'base64' });
  });

  it('uses VMware defaults for an almost empty file', () => {
    const s = vmxToConfig(VmxDocument.parse(enc('config.version = "8"\n')));
    expect(s).toMatchObject({ memsizeMiB: 32, numvcpus: 1, firmware: 'bios', disks: [], serialPorts: [], nestedVirtualization: false });
  });

  it.each([
    ['memsize = "lots"', 'memsize', /expected a whole number/],
    ['numvcpus = "0"', 'numvcpus', /outside 1\.\.768/],
    ['vhv.enable = "maybe"', 'vhv.enable', /expected TRUE or FALSE/],
    ['firmware = "coreboot"', 'firmware', /expected "efi" or "bios"/],
    ['scsi0:7.present = "TRUE"', 'scsi0:7.present', /no such scsi unit 0:7/],
    ['serial9.present = "TRUE"', 'serial9.present', /no such serial port 9/],
    ['sata4.present = "TRUE"', 'sata4.present', /no such sata controller 4/],
    ['ethernet10.present = "TRUE"', 'ethernet10.present', /no such network adapter ethernet10/],
  ])('rejects %j naming the key and line', (line, key, msg) => {
    let err: VmxError | undefined;
    try {
      vmxToConfig(VmxDocument.parse(enc(`a = "1"\n${line}\n`), 'x.vmx'));
    } catch (e) {
      err = e as VmxError;
    }
    expect(err).toBeInstanceOf(VmxError);
    expect(err!.key).toBe(key);
    expect(err!.line).toBe(2);
    expect(err!.message).toMatch(msg);
    expect(err!.message).toContain('x.vmx:2');
  });
});

describe('applyConfig', () => {
  it('is a no-op when nothing changed (bytes identical)', () => {
    const doc = VmxDocument.parse(enc(VMX));
    applyConfig(doc, vmxToConfig(doc));
    expect(dec(doc.serialize())).toBe(VMX);
  });

  it('writes back only what changed', () => {
    const doc = VmxDocument.parse(enc(VMX));
    const s = vmxToConfig(doc);
    s.memsizeMiB = 4096;
    s.firmware = 'bios';
    s.isolation.copyDisable = true;
    s.isolation.other = { 'dnd.disable': true, 'hgfs.disable': false };
    s.disks = s.disks.filter((d) => d.bus !== 'sata');
    s.disks[1] = { ...s.disks[1], fileName: 'other.iso', startConnected: true };
    s.disks.push({ bus: 'sata', controller: 0, unit: 2, present: true, kind: 'cdrom-image', deviceType: 'cdrom-image', fileName: 'x.iso', startConnected: true });
    s.serialPorts = [];
    s.guestinfo = { hostname: 'lab', extra: 'v' };
    s.displayName = 'Lab/VM "two"';
    applyConfig(doc, s);
    const out = dec(doc.serialize());
    expect(out).toContain('memsize = "4096"\n');
    expect(out).not.toMatch(/firmware/);
    expect(out).toContain('isolation.tools.copy.disable = "TRUE"\n');
    expect(out).toContain('isolation.tools.paste.disable = "TRUE"\n');
    expect(out).not.toMatch(/getPtrLocation/);
    expect(out).toContain('isolation.tools.hgfs.disable = "FALSE"\n');
    expect(out).not.toMatch(/sata0:1/);
    expect(out).toContain('ide1:0.fileName = "other.iso"\n');
    expect(out).toContain('ide1:0.startConnected = "TRUE"\n');
    expect(out).toContain('sata0:2.present = "TRUE"\nsata0:2.deviceType = "cdrom-image"\nsata0:2.fileName = "x.iso"\n');
    expect(out).not.toMatch(/serial0/);
    expect(out).toContain('guestinfo.extra = "v"\n');
    expect(out).not.toMatch(/metadata/);
    expect(out).toContain('displayName = "Lab%2FVM |22two|22"\n');
    // untouched lines
    expect(out).toContain('ide1:0.present = "true"\n');
    expect(out).toContain('scsi0:0.mode = "persistent"\n');
    expect(out).toContain('ethernet0.virtualDev = "vmxnet3"\n');
    expect(vmxToConfig(VmxDocument.parse(enc(out)))).toEqual(s);
  });

  it('refuses impossible units', () => {
    const doc = VmxDocument.parse(enc(VMX));
    const s = vmxToConfig(doc);
    s.disks.push({ bus: 'ide', controller: 0, unit: 2, present: true, kind: 'disk', startConnected: true });
    expect(() => applyConfig(doc, s)).toThrow(/no such ide unit 0:2/);
  });
});

describe('resolveVmxPath', () => {
  it('resolves relative, absolute, Windows and datastore names', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmxpath-'));
    const doc = VmxDocument.parse(enc('scsi0:0.fileName = "disk.vmdk"\n'), path.join(dir, 'vm.vmx'));
    expect(resolveVmxPath(doc, 'disk.vmdk', 'scsi0:0.fileName')).toBe(path.join(dir, 'disk.vmdk'));
    expect(resolveVmxPath(doc, 'sub/d.vmdk', 'scsi0:0.fileName')).toBe(path.join(dir, 'sub/d.vmdk'));
    expect(resolveVmxPath(doc, '/isos/x.iso', 'ide1:0.fileName')).toBe('/isos/x.iso');
    expect(() => resolveVmxPath(doc, 'C:\\VMs\\disk.vmdk', 'scsi0:0.fileName')).toThrow(/Windows path "C:\\\\VMs\\\\disk.vmdk" not found, nor disk.vmdk beside the .vmx/);
    fs.writeFileSync(path.join(dir, 'disk.vmdk'), '');
    expect(resolveVmxPath(doc, 'C:\\VMs\\disk.vmdk', 'scsi0:0.fileName')).toBe(path.join(dir, 'disk.vmdk'));
    expect(() => resolveVmxPath(doc, '[datastore1] vm/disk.vmdk', 'scsi0:0.fileName')).toThrow(expect.objectContaining({ key: 'scsi0:0.fileName', line: 1, message: expect.stringMatching(/ESXi datastore path/) }));
    fs.rmSync(dir, { recursive: true });
  });
});
