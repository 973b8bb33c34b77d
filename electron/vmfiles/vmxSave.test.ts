// Settings that stick: the editor's VmSettings written into Workstation-shaped .vmx files
// (fixtures/) change exactly VMware's keys for what changed; every other byte (unknown
// keys, comments, CRLF, windows-1252, unquoted values) stays as it was.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addDrive, type VmSettings } from '../common/vmxSettings';
import { openDisk } from './vmdk/index';
import { readVmx } from './vmx';
import { vmxToConfig } from './vmxConfig';
import { saveVmxSettings } from './vmxSave';
import { VmSettingsError } from './vmxSettingsCheck';

const FIXTURES = path.join(__dirname, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vmxsave-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The fixture in a VM folder of its own, named as Workstation names it (after the VM). */
function copyFixture(name: string, as = name): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'vm-'));
  const vmx = path.join(dir, as);
  fs.copyFileSync(path.join(FIXTURES, name), vmx);
  return vmx;
}

const settingsOf = (vmx: string): VmSettings => vmxToConfig(readVmx(vmx));
/** The settings as the renderer sends them: through JSON, like IPC and the WebSocket. */
const overTheWire = (s: VmSettings): unknown => JSON.parse(JSON.stringify(s));

/** Lines only in `before` and lines only in `after`, in order (the .vmx line diff). */
function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
}

const FIXTURE_NAMES = ['ws17-windows11.vmx', 'ws17-ubuntu.vmx', 'ws16-bios-ide.vmx'];

describe('saveVmxSettings', () => {
  it.each(FIXTURE_NAMES)('%s: saving what was read leaves every byte', (name) => {
    const vmx = copyFixture(name);
    const before = fs.readFileSync(vmx);
    saveVmxSettings(vmx, overTheWire(settingsOf(vmx)));
    expect(fs.readFileSync(vmx).equals(before)).toBe(true);
  });

  it('Ubuntu: memory, vCPUs, disks, CD, NIC, clipboard and nesting change as VMware keys, nothing else', () => {
    const vmx = copyFixture('ws17-ubuntu.vmx', 'Ubuntu 64-bit.vmx');
    const before = fs.readFileSync(vmx, 'utf8');
    let s = settingsOf(vmx);
    s.memsizeMiB = 2048;
    s.numvcpus = 2;
    s.disks = s.disks.filter((d) => d.bus !== 'scsi'); // remove the SCSI disk
    s.disks.find((d) => d.bus === 'sata')!.fileName = '/isos/debian-12.iso';
    s = addDrive(s, 'nvme', 'disk', '')!;
    delete s.disks[s.disks.length - 1]!.fileName; // made by main
    s.ethernet[0] = { ...s.ethernet[0]!, virtualDev: 'e1000', startConnected: false, addressType: 'static', mac: '00:50:56:11:22:33' };
    s.isolation.copyDisable = true;
    s.isolation.pasteDisable = false;
    s.nestedVirtualization = false;
    saveVmxSettings(vmx, overTheWire(s), [{ device: 'nvme0:0', sizeMiB: 16 }]);
    const after = fs.readFileSync(vmx, 'utf8');
    expect(lineDiff(before, after)).toEqual({
      removed: [
        'numvcpus = "4"',
        'memsize = "8192"',
        'scsi0:0.fileName = "Ubuntu 64-bit.vmdk"',
        'scsi0:0.present = "TRUE"',
        'sata0:1.fileName = "ubuntu-22.04.3-desktop-amd64.iso"',
        'ethernet0.addressType = "generated"',
        'ethernet0.virtualDev = "vmxnet3"',
        'vhv.enable = "TRUE"',
        'scsi0:0.redo = ""',
        'isolation.tools.paste.disable = "TRUE"',
      ],
      added: [
        'numvcpus = "2"',
        'memsize = "2048"',
        'sata0:1.fileName = "/isos/debian-12.iso"',
        'ethernet0.addressType = "static"',
        'ethernet0.virtualDev = "e1000"',
        'vhv.enable = "FALSE"',
        'isolation.tools.paste.disable = "FALSE"',
        'nvme0.present = "TRUE"',
        'nvme0:0.present = "TRUE"',
        'nvme0:0.fileName = "Ubuntu 64-bit-0.vmdk"',
        'ethernet0.startConnected = "FALSE"',
        'ethernet0.address = "00:50:56:11:22:33"',
        'isolation.tools.copy.disable = "TRUE"',
      ],
    });
    // The controller of the removed disk stays, as Workstation keeps it.
    expect(after).toContain('scsi0.virtualDev = "lsilogic"\n');
    const disk = openDisk(path.join(path.dirname(vmx), 'Ubuntu 64-bit-0.vmdk'), { readOnly: true });
    expect(disk.size).toBe(16 * 2 ** 20);
    disk.close();
    expect(settingsOf(vmx)).toEqual({ ...s, disks: s.disks.map((d) => (d.bus === 'nvme' ? { ...d, fileName: 'Ubuntu 64-bit-0.vmdk' } : d)) });
  });

  it('Windows 11: BIOS instead of UEFI drops the firmware key (absent means BIOS), a second new disk gets the next name', () => {
    const vmx = copyFixture('ws17-windows11.vmx', 'Windows 11 x64.vmx');
    fs.writeFileSync(path.join(path.dirname(vmx), 'Windows 11 x64-0.vmdk'), 'taken');
    const before = fs.readFileSync(vmx, 'utf8');
    let s = settingsOf(vmx);
    s.firmware = 'bios';
    s = addDrive(s, 'sata', 'disk', '')!;
    delete s.disks[s.disks.length - 1]!.fileName;
    saveVmxSettings(vmx, overTheWire(s), [{ device: 'sata0:0', sizeMiB: 1 }]);
    expect(lineDiff(before, fs.readFileSync(vmx, 'utf8'))).toEqual({
      removed: ['firmware = "efi"'],
      added: ['sata0:0.present = "TRUE"', 'sata0:0.fileName = "Windows 11 x64-1.vmdk"'],
    });
  });

  it('the CRLF windows-1252 file keeps its line ends, charset, comment and unquoted value', () => {
    const vmx = copyFixture('ws16-bios-ide.vmx');
    const before = fs.readFileSync(vmx);
    const s = settingsOf(vmx);
    s.memsizeMiB = 128;
    s.ethernet[0]!.mac = '02:00:00:00:00:01'; // locally administered: outside VMware's static range
    saveVmxSettings(vmx, overTheWire(s));
    const after = fs.readFileSync(vmx);
    const expected = Buffer.concat([
      Buffer.from(before.toString('latin1').replace('memsize = "64"\r\n', 'memsize = "128"\r\n').replace('ethernet0.address = "00:50:56:01:02:03"', 'ethernet0.address = "02:00:00:00:00:01"'), 'latin1'),
      Buffer.from('ethernet0.checkMACAddress = "FALSE"\r\n'),
    ]);
    expect(after.equals(expected)).toBe(true);
  });

  it('takes only what the editor edits: serial ports, guestinfo, svga and the display name stay as the file has them', () => {
    const vmx = copyFixture('ws17-windows11.vmx');
    const before = fs.readFileSync(vmx);
    const s = settingsOf(vmx);
    s.serialPorts = [{ index: 0, present: true, fileType: 'file', fileName: '/home/u/.bashrc' }];
    s.guestinfo = { injected: 'x' };
    s.svga = { maxWidth: 640, maxHeight: 480 };
    s.displayName = 'Renamed';
    s.isolation.other = { 'hgfs.disable': false };
    saveVmxSettings(vmx, overTheWire(s));
    expect(fs.readFileSync(vmx).equals(before)).toBe(true);
  });

  it('refuses a VM another program holds (its .vmx lock) unless this app runs it', () => {
    const vmx = copyFixture('ws16-bios-ide.vmx');
    fs.mkdirSync(`${vmx}.lck`);
    fs.writeFileSync(path.join(`${vmx}.lck`, 'M12345.lck'), 'vmware');
    const s = settingsOf(vmx);
    s.memsizeMiB = 256;
    const before = fs.readFileSync(vmx);
    expect(() => saveVmxSettings(vmx, overTheWire(s))).toThrow(/is in use by another program \(VMware\?\): M12345\.lck: stop that VM first/);
    expect(fs.readFileSync(vmx).equals(before)).toBe(true);
    saveVmxSettings(vmx, overTheWire(s), [], { runningHere: true });
    expect(settingsOf(vmx).memsizeMiB).toBe(256);
  });

  it.each([
    ['a control character in a file name', (s: VmSettings) => (s.disks[0]!.fileName = 'a.vmdk\nevil.key = "1"'), /disks\[0\]\.fileName must be text/],
    ['a list too long', (s: VmSettings) => (s.ethernet = Array.from({ length: 11 }, (_, i) => ({ ...s.ethernet[0]!, index: i }))), /ethernet must be a list of at most 10/],
    ['a bad MAC', (s: VmSettings) => (s.ethernet[0]!.mac = '01:00:5e:00:00:01'), /ethernet\[0\]\.mac is not a MAC address/],
    ['a unit that does not exist', (s: VmSettings) => (s.disks[0]!.unit = 2), /no such ide unit 0:2/],
    ['memory as text', (s: VmSettings) => ((s as unknown as { memsizeMiB: string }).memsizeMiB = '64'), /memsizeMiB must be a whole number/],
  ])('refuses %s and writes nothing', (_what, spoil, message) => {
    const vmx = copyFixture('ws16-bios-ide.vmx');
    const before = fs.readFileSync(vmx);
    const s = settingsOf(vmx);
    spoil(s);
    expect(() => saveVmxSettings(vmx, overTheWire(s))).toThrow(message);
    expect(fs.readFileSync(vmx).equals(before)).toBe(true);
  });

  it('a new disk must be a settings disk without a file; a failed save removes the disk it made', () => {
    const vmx = copyFixture('ws16-bios-ide.vmx');
    const dir = path.dirname(vmx);
    const s = settingsOf(vmx);
    expect(() => saveVmxSettings(vmx, overTheWire(s), [{ device: 'ide0:0', sizeMiB: 1 }])).toThrow(VmSettingsError);
    const bad = addDrive(s, 'ide', 'disk', '')!;
    delete bad.disks[bad.disks.length - 1]!.fileName;
    bad.disks.push({ bus: 'ide', controller: 1, unit: 5, present: true, kind: 'disk', startConnected: true, fileName: 'x.vmdk' }); // no ide1:5
    const files = fs.readdirSync(dir).sort();
    expect(() => saveVmxSettings(vmx, overTheWire(bad), [{ device: 'ide0:1', sizeMiB: 1 }])).toThrow(/no such ide unit 1:5/);
    expect(fs.readdirSync(dir).sort()).toEqual(files);
  });
});
