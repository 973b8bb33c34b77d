// `vireo run vm.vmx` (run.ts vmConfigFromVmx over vmfiles/vmxImport.ts) and disks outside
// the VM folder (issue 9, hole 3): a .vmx that names a disk or CD image outside its folder —
// absolute, `../`, or a symlink in the folder pointing out — is refused with one line naming the file and --allow-external-disks, before
// anything is opened or written; with the flag the file is used and its real path is
// passed on so that the VM host allows exactly it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../testing/runCli';
import { UsageError } from './args';
import { vmConfigFromVmx } from './run';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vmxcfg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const outside = path.join(tmp, 'outside.vmdk');
fs.writeFileSync(outside, Buffer.alloc(65536));
const iso = path.join(tmp, 'outside.iso');
fs.writeFileSync(iso, Buffer.alloc(65536));

let n = 0;
function vm(lines: string): { dir: string; vmx: string } {
  const dir = fs.mkdtempSync(path.join(tmp, `vm${n++}-`));
  fs.writeFileSync(path.join(dir, 'inside.vmdk'), Buffer.alloc(65536));
  const vmx = path.join(dir, 'vm.vmx');
  fs.writeFileSync(vmx, `.encoding = "UTF-8"\nmemsize = "64"\n${lines}`);
  return { dir, vmx };
}

const cases: Array<[string, (dir: string) => string, string]> = [
  ['an absolute sata disk', () => `sata0.present = "TRUE"\nsata0:0.present = "TRUE"\nsata0:0.fileName = "${outside}"\n`, 'sata0:0.fileName'],
  ['a ../ sata disk', () => `sata0.present = "TRUE"\nsata0:1.present = "TRUE"\nsata0:1.fileName = "../outside.vmdk"\n`, 'sata0:1.fileName'],
  ['an nvme disk through a symlink', (dir) => {
    fs.symlinkSync(outside, path.join(dir, 'link.vmdk'));
    return 'nvme0.present = "TRUE"\nnvme0:0.present = "TRUE"\nnvme0:0.fileName = "link.vmdk"\n';
  }, 'nvme0:0.fileName'],
  ['an ide CD image', () => `ide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "${iso}"\n`, 'ide1:0.fileName'],
];

describe('disks outside the VM folder', () => {
  it.each(cases)('%s is refused without --allow-external-disks', (_what, lines, key) => {
    const d = vm('');
    fs.appendFileSync(d.vmx, lines(d.dir));
    expect(() => vmConfigFromVmx(d.vmx)).toThrow(UsageError);
    expect(() => vmConfigFromVmx(d.vmx)).toThrow(new RegExp(`\\(${key.replace('.', '\\.')} in .*vm\\.vmx\\) is outside the VM folder .*: pass --allow-external-disks to use it$`));
    const c = vmConfigFromVmx(d.vmx, { allowExternalDisks: true });
    expect(c.disks).toHaveLength(1);
    expect(c.externalDisks).toEqual([fs.realpathSync(key.startsWith('ide1') ? iso : outside)]);
  });

  it('a disk on a controller Vireo does not emulate is reported, not opened, and needs no flag', () => {
    const d = vm(`scsi0.present = "TRUE"\nscsi0.virtualDev = "pvscsi"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "${outside}"\n`);
    const notes: string[] = [];
    const c = vmConfigFromVmx(d.vmx, {}, notes);
    expect(c.disks).toEqual([]);
    expect(c.externalDisks).toBeUndefined();
    expect(notes).toEqual(['not supported yet: SCSI controller scsi0 ("pvscsi"); the VM starts without scsi0:0 (disk "outside.vmdk")']);
  });

  it('a VM Vireo cannot run (UEFI) is one UsageError naming the file and the setting', () => {
    const d = vm('firmware = "efi"\n');
    expect(() => vmConfigFromVmx(d.vmx)).toThrow(new UsageError(`${d.vmx}: not supported yet: UEFI firmware (firmware = "efi"): Vireo boots BIOS VMs through SeaBIOS; set the firmware to BIOS if the guest can boot that way`));
  });

  it('disks inside the folder (also through a symlink that stays inside) need no flag', () => {
    const d = vm('ide0:0.present = "TRUE"\nide0:0.fileName = "inside.vmdk"\nide0:1.present = "TRUE"\nide0:1.fileName = "alias.vmdk"\n');
    fs.symlinkSync('inside.vmdk', path.join(d.dir, 'alias.vmdk'));
    const c = vmConfigFromVmx(d.vmx);
    expect(c.disks!.map((x) => path.basename(x.path))).toEqual(['inside.vmdk', 'alias.vmdk']);
    expect(c.externalDisks).toBeUndefined();
  });

  it('the real CLI: exit 2, one line naming the file and the flag, no lock or other file written', async () => {
    const d = vm(`ide0:0.present = "TRUE"\nide0:0.fileName = "${outside}"\n`);
    const before = fs.readdirSync(d.dir).sort();
    const outsideBefore = fs.readdirSync(tmp).sort();
    const r = await runCli(['run', d.vmx], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([`vireo: ${outside} (ide0:0.fileName in ${d.vmx}) is outside the VM folder ${fs.realpathSync(d.dir)}: pass --allow-external-disks to use it`]);
    expect(fs.readdirSync(d.dir).sort()).toEqual(before);
    expect(fs.readdirSync(tmp).sort()).toEqual(outsideBefore);
  });
});
