// The one .vmx importer (app, browser host, CLI): Workstation-shaped files (fixtures/) map
// to the VmConfig Vireo runs, every drive on every controller is either used at its own
// position or named in a "not supported yet" notice, and nothing is written.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VmxDocument } from './vmx';
import { importVmx, importVmxDocument } from './vmxImport';

const FIXTURES = path.join(__dirname, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vmximport-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A VM folder holding `fixture` and an empty file for each name in `files`. */
function vmFolder(fixture: string, files: string[]): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'vm-'));
  const vmx = path.join(dir, fixture);
  fs.copyFileSync(path.join(FIXTURES, fixture), vmx);
  for (const f of files) fs.writeFileSync(path.join(dir, f), Buffer.alloc(4096));
  return vmx;
}

const doc = (text: string, file = path.join(tmp, 'x', 'a.vmx')) => VmxDocument.parse(new TextEncoder().encode(text), file);

describe('Workstation-shaped VMs', () => {
  it('Windows 11 (UEFI, NVMe disk, SATA CD, e1000e): cannot start yet, and says why and what else it lacks', () => {
    const vmx = vmFolder('ws17-windows11.vmx', ['Windows 11 x64.vmdk', 'Win11_23H2_English_x64.iso']);
    const before = fs.readFileSync(vmx);
    const vm = importVmx(vmx);
    const dir = path.dirname(vmx);
    expect(vm.problems).toEqual([expect.stringMatching(/^not supported yet: UEFI firmware \(firmware = "efi"\)/)]);
    expect(vm.config).toMatchObject({ name: 'Windows 11 x64', memoryMiB: 4096, cpus: 2, firmware: 'seabios', vmxPath: vmx, nics: [] });
    expect(vm.config.disks).toEqual([
      { path: path.join(dir, 'Win11_23H2_English_x64.iso'), kind: 'cdrom', bus: 'sata', unit: 1 },
      { path: path.join(dir, 'Windows 11 x64.vmdk'), kind: 'disk', bus: 'nvme', unit: 0 },
    ]);
    expect(vm.notices).toEqual([
      'not supported yet: ethernet0.virtualDev = "e1000e" (Vireo emulates e1000 and vmxnet3); the VM starts without ethernet0',
      'not supported yet: a sound card (sound.present, "hdaudio")',
      'not supported yet: USB controllers (usb.present, ehci.present, usb_xhci.present)',
      'not supported yet: serial0 to "thinprint" "thinprint" (COM1 is Vireo\'s serial console)',
    ]);
    expect(vm.external).toEqual([]);
    expect(vm.config.tools).toEqual({ syncTime: false, copyAllowed: true, pasteAllowed: true });
    expect(fs.readFileSync(vmx).equals(before)).toBe(true);
  });

  it('Ubuntu (LSI Logic SCSI disk, SATA CD, vmxnet3, vhv.enable, guestinfo): the SCSI disk is named, not moved to another controller', () => {
    const vmx = vmFolder('ws17-ubuntu.vmx', ['Ubuntu 64-bit.vmdk', 'ubuntu-22.04.3-desktop-amd64.iso']);
    const vm = importVmx(vmx);
    expect(vm.problems).toEqual([]);
    expect(vm.config).toMatchObject({
      name: 'Ubuntu 64-bit',
      memoryMiB: 8192,
      cpus: 4,
      nestedVirtualization: true,
      nics: [{ model: 'vmxnet3', connection: 'nat', mac: '00:0c:29:cc:dd:ee', portForwards: [] }],
      tools: { syncTime: true, copyAllowed: true, pasteAllowed: false },
      guestInfo: { hostname: 'ubuntu-lab', metadata: 'aW5zdGFuY2UtaWQ6IGxhYgo=', 'metadata.encoding': 'base64' },
    });
    expect(vm.config.disks).toEqual([{ path: path.join(path.dirname(vmx), 'ubuntu-22.04.3-desktop-amd64.iso'), kind: 'cdrom', bus: 'sata', unit: 1 }]);
    expect(vm.notices).toEqual([
      'not supported yet: SCSI controller scsi0 ("lsilogic"); the VM starts without scsi0:0 (disk "Ubuntu 64-bit.vmdk")',
      'not supported yet: a sound card (sound.present, "es1371")',
      'not supported yet: USB controllers (usb.present, ehci.present)',
    ]);
  });

  it('a hand-edited BIOS VM (IDE disk + CD, SATA port 2, static MAC, fixed display) runs as written', () => {
    const vmx = vmFolder('ws16-bios-ide.vmx', ['dos.vmdk', 'tools.iso', 'data.vmdk']);
    const vm = importVmx(vmx);
    const dir = path.dirname(vmx);
    expect(vm.problems).toEqual([]);
    expect(vm.notices).toEqual([]);
    expect(vm.config).toMatchObject({
      name: 'Lab DOS "retro"',
      memoryMiB: 64,
      cpus: 1,
      display: { maxWidth: 1024, maxHeight: 768, vramMiB: 4 },
      nics: [{ model: 'e1000', connection: 'nat', mac: '00:50:56:01:02:03', portForwards: [] }],
      tools: { syncTime: false, copyAllowed: false, pasteAllowed: true },
    });
    expect(vm.config.disks).toEqual([
      { path: path.join(dir, 'dos.vmdk'), kind: 'disk', bus: 'ide', unit: 0 },
      { path: path.join(dir, 'tools.iso'), kind: 'cdrom', bus: 'ide', unit: 2 },
      { path: path.join(dir, 'data.vmdk'), kind: 'disk', bus: 'sata', unit: 2 },
    ]);
    expect(vm.config.nestedVirtualization).toBeUndefined();
  });
});

describe('drives Vireo cannot use are named, each once', () => {
  it.each([
    ['a second NVMe disk', 'nvme0.present = "TRUE"\nnvme0:1.present = "TRUE"\nnvme0:1.fileName = "b.vmdk"\n',
      'not supported yet: a second NVMe disk (Vireo\'s NVMe controller has one namespace, nvme0:0); the VM starts without nvme0:1 (disk "b.vmdk")'],
    ['a second SATA controller', 'sata1.present = "TRUE"\nsata1:0.present = "TRUE"\nsata1:0.fileName = "c.vmdk"\n',
      'not supported yet: a second SATA controller (sata1; Vireo has sata0); the VM starts without sata1:0 (disk "c.vmdk")'],
    ['a host CD drive', 'sata0.present = "TRUE"\nsata0:1.present = "TRUE"\nsata0:1.deviceType = "cdrom-raw"\nsata0:1.fileName = "auto detect"\n',
      'not supported yet: a host CD/DVD drive (sata0:1.deviceType = "cdrom-raw"); the guest sees no CD-ROM drive at sata0:1'],
    ['an empty CD drive', 'ide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "x.iso"\nide1:0.startConnected = "FALSE"\n',
      'not supported yet: an empty CD-ROM drive (ide1:0 is not connected at power on); the guest sees no CD-ROM drive at ide1:0'],
    ['a drive on a controller that is not present', 'sata0:0.present = "TRUE"\nsata0:0.fileName = "d.vmdk"\n',
      'sata0:0 is left out: its controller sata0 is not present (sata0.present is not TRUE)'],
    ['an unknown device type', 'ide0:1.present = "TRUE"\nide0:1.deviceType = "rawDisk"\nide0:1.fileName = "/dev/sdb"\n',
      'not supported yet: ide0:1.deviceType = "rawDisk"; the VM starts without ide0:1'],
    ['a CD image that is gone', 'ide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "gone.iso"\n',
      /^ide1:0: the CD image ".*gone\.iso" is not there; the guest sees no CD-ROM drive at ide1:0$/],
    ['a second network adapter', 'ethernet0.present = "TRUE"\nethernet0.connectionType = "nat"\nethernet1.present = "TRUE"\n',
      'not supported yet: a second network adapter (ethernet1; Vireo has one); the VM starts without ethernet1'],
    ['16 vCPUs', 'numvcpus = "16"\n', 'not supported yet: 16 vCPUs (numvcpus = "16"): Vireo runs at most 8; the VM starts with 8'],
    ['a floppy drive', 'floppy0.present = "TRUE"\n', 'not supported yet: floppy drive floppy0'],
  ])('%s', (_what, lines, notice) => {
    const vm = importVmxDocument(doc(`.encoding = "UTF-8"\n${lines}`));
    expect(vm.notices).toEqual([typeof notice === 'string' ? notice : expect.stringMatching(notice)]);
    expect(vm.problems).toEqual([]);
    expect(vm.config.disks).toEqual([]);
  });

  it('a value from the file is quoted in a notice (no terminal escapes reach the CLI)', () => {
    const vm = importVmxDocument(doc('ethernet0.present = "TRUE"\nethernet0.virtualDev = "x|1B[2Jy"\n'));
    expect(vm.notices).toEqual(['not supported yet: ethernet0.virtualDev = "x\\u001b[2jy" (Vireo emulates e1000 and vmxnet3); the VM starts without ethernet0']);
  });

  it('a disk that cannot start names the setting and the remedy', () => {
    const vm = importVmxDocument(doc('ide0:0.present = "TRUE"\nsata0.present = "TRUE"\nsata0:0.present = "TRUE"\nsata0:0.fileName = "[datastore1] vm/vm.vmdk"\n'));
    expect(vm.problems).toEqual([
      'ide0:0.fileName is missing: name the disk file of ide0:0, or remove ide0:0',
      expect.stringMatching(/sata0:0\.fileName: ESXi datastore path "\[datastore1\] vm\/vm\.vmdk" cannot be opened on this host$/),
    ]);
  });

  it('lists files outside the VM folder with the key naming each (the caller decides)', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'out-'));
    fs.writeFileSync(path.join(tmp, 'shared.iso'), '');
    const vm = importVmxDocument(doc('ide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "../shared.iso"\n', path.join(dir, 'a.vmx')));
    expect(vm.external).toEqual([{ key: 'ide1:0.fileName', path: path.join(tmp, 'shared.iso'), real: fs.realpathSync(path.join(tmp, 'shared.iso')) }]);
    expect(vm.config.disks).toHaveLength(1);
  });
});

describe('ethernet<N>', () => {
  const nics = (lines: string) => importVmxDocument(doc(lines));

  it('a NAT e1000 with its generated address', () => {
    const vm = nics('ethernet0.present = "TRUE"\nethernet0.virtualDev = "e1000"\nethernet0.connectionType = "nat"\n' +
      'ethernet0.addressType = "generated"\nethernet0.generatedAddress = "00:0c:29:12:34:56"\n');
    expect(vm.config.nics).toEqual([{ model: 'e1000', connection: 'nat', mac: '00:0c:29:12:34:56', portForwards: [] }]);
    expect(vm.notices).toEqual([]);
  });

  it('the static address, and an unplugged cable when startConnected is FALSE', () => {
    const vm = nics('ethernet0.present = "TRUE"\nethernet0.connectionType = "nat"\nethernet0.startConnected = "FALSE"\n' +
      'ethernet0.addressType = "static"\nethernet0.address = "00:50:56:01:02:03"\n');
    expect(vm.config.nics![0]).toMatchObject({ connection: 'unplugged', mac: '00:50:56:01:02:03' });
  });

  it('bridged is not supported yet: the adapter starts unplugged', () => {
    const vm = nics('ethernet0.present = "TRUE"\nethernet0.connectionType = "bridged"\n');
    expect(vm.config.nics![0]!.connection).toBe('unplugged');
    expect(vm.notices).toEqual(['not supported yet: ethernet0.connectionType = "bridged" (NAT is); ethernet0 starts with its cable unplugged']);
  });

  it('a model it does not emulate is left out, the next adapter is used', () => {
    const vm = nics('ethernet0.present = "TRUE"\nethernet0.virtualDev = "vlance"\nethernet1.present = "TRUE"\nethernet1.virtualDev = "vmxnet3"\n' +
      'ethernet1.connectionType = "nat"\nethernet1.generatedAddress = "00:0c:29:aa:bb:cc"\n');
    expect(vm.config.nics).toEqual([{ model: 'vmxnet3', connection: 'nat', mac: '00:0c:29:aa:bb:cc', portForwards: [] }]);
    expect(vm.notices).toEqual(['not supported yet: ethernet0.virtualDev = "vlance" (Vireo emulates e1000 and vmxnet3); the VM starts without ethernet0']);
  });

  it('names the key of a malformed address as a problem', () => {
    const vm = nics('ethernet0.present = "TRUE"\nethernet0.connectionType = "nat"\nethernet0.address = "00:0c:29"\n');
    expect(vm.problems).toEqual(['ethernet0.address = 00:0c:29 is not a MAC address: use six hex bytes like 00:0c:29:12:34:56']);
  });
});


describe('vmware.log rotation keys', () => {
  it('log.keepOld and log.rotateSize reach the VM host; rotateSize 0 (no limit in VMware) keeps the cap', () => {
    expect(importVmxDocument(doc('memsize = "64"\nlog.keepOld = "1"\nlog.rotateSize = "100000"\n')).config.log).toEqual({ keepOld: 1, rotateSize: 100000 });
    expect(importVmxDocument(doc('memsize = "64"\nlog.rotateSize = "0"\n')).config.log).toBeUndefined();
    expect(importVmxDocument(doc('memsize = "64"\n')).config.log).toBeUndefined();
  });
  it('a value that is not a number is named with its line', () => {
    expect(() => importVmxDocument(doc('memsize = "64"\nlog.keepOld = "lots"\n'))).toThrow(/log\.keepOld: expected a whole number/);
  });
});
