import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateVmError, createVm, defaultRoot, findVmxFiles, libraryRoots, listVms, lockState, summarizeVm, vmNameProblem,
} from './library';
import { acquireLock, lockPathFor } from './lock';
import { readVmx } from './vmx';
import { vmxToConfig } from './vmxConfig';

const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!haveQemuImg && process.env.VIREO_REQUIRE_TOOLS === '1') throw new Error('VIREO_REQUIRE_TOOLS=1 but qemu-img is not on PATH');
if (!haveQemuImg) process.stderr.write('SKIPPED qemu-img cross-check in library.test.ts: qemu-img not installed\n');

const top = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-library-'));
afterAll(() => fs.rmSync(top, { recursive: true, force: true }));
let root = '';
beforeEach((ctx) => {
  root = path.join(top, ctx.task.id);
});

const base = { memoryMiB: 64, cpus: 1, diskGiB: 0.0625, guestOS: 'other-64' };
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

describe('createVm', () => {
  it('writes the folder, .vmx and monolithicSparse .vmdk that listVms then shows', () => {
    const iso = path.join(top, 'boot.iso');
    fs.writeFileSync(iso, Buffer.alloc(2048));
    const vmx = createVm({ root, name: 'Test VM', memoryMiB: 1024, cpus: 2, diskGiB: 20, guestOS: 'ubuntu-64', cdrom: iso });
    expect(vmx).toBe(path.join(root, 'Test VM', 'Test VM.vmx'));
    expect(fs.readdirSync(root)).toEqual(['Test VM']); // temp folder renamed away
    expect(fs.readdirSync(path.dirname(vmx)).sort()).toEqual(['Test VM.vmdk', 'Test VM.vmx']);

    const text = fs.readFileSync(vmx, 'utf8');
    expect(text.split('\n')[0]).toBe('.encoding = "UTF-8"');
    for (const line of ['config.version = "8"', 'virtualHW.version = "21"', 'displayName = "Test VM"', 'guestOS = "ubuntu-64"',
      'memsize = "1024"', 'numvcpus = "2"', 'firmware = "bios"', 'ide0:0.present = "TRUE"', 'ide0:0.fileName = "Test VM.vmdk"',
      'ide1:0.deviceType = "cdrom-image"', `ide1:0.fileName = "${iso}"`, 'tools.syncTime = "TRUE"']) {
      expect(text).toContain(`${line}\n`);
    }
    const s = vmxToConfig(readVmx(vmx));
    expect(s.disks.map((d) => [d.bus, d.controller, d.unit, d.kind])).toEqual([['ide', 0, 0, 'disk'], ['ide', 1, 0, 'cdrom-image']]);

    const { vms, folderErrors } = listVms([root]);
    expect(folderErrors).toEqual([]);
    expect(vms).toHaveLength(1);
    expect(vms[0]).toMatchObject({ vmxPath: vmx, name: 'Test VM', guestOS: 'ubuntu-64', memoryMiB: 1024, cpus: 2, state: 'stopped' });
    expect(vms[0].error).toBeUndefined();
    expect(vms[0].disks).toEqual([expect.objectContaining({ device: 'ide0:0', path: path.join(root, 'Test VM', 'Test VM.vmdk'), virtualSize: 20 * 2 ** 30 })]);
    expect(vms[0].disks[0].allocatedSize).toBeLessThan(8 * 2 ** 20); // sparse: metadata only
  });

  it.skipIf(!haveQemuImg)('makes a VMDK that qemu-img reads as monolithicSparse of the asked size', () => {
    const vmx = createVm({ root, name: 'q', ...base, diskGiB: 1.5 });
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path.join(path.dirname(vmx), 'q.vmdk')], { encoding: 'utf8' }));
    expect(info.format).toBe('vmdk');
    expect(info['virtual-size']).toBe(1.5 * 2 ** 30);
    expect(info['format-specific'].data['create-type']).toBe('monolithicSparse');
    execFileSync('qemu-img', ['check', path.join(path.dirname(vmx), 'q.vmdk')]);
  });

  it('refuses an existing name and leaves that folder alone', () => {
    fs.mkdirSync(path.join(root, 'taken'), { recursive: true });
    fs.writeFileSync(path.join(root, 'taken', 'keep.txt'), 'mine');
    expect(() => createVm({ root, name: 'taken', ...base })).toThrow(/name "taken" already exists \(.*taken\): choose another name/);
    expect(fs.readdirSync(root)).toEqual(['taken']);
    expect(fs.readdirSync(path.join(root, 'taken'))).toEqual(['keep.txt']);
  });

  it('leaves nothing behind when the disk cannot be made after the .vmx was written', () => {
    fs.mkdirSync(root);
    let err: unknown;
    try {
      createVm({ root, name: 'huge', ...base, diskGiB: 65537 }); // past the VMDK limit of 2^37 sectors
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CreateVmError);
    expect((err as CreateVmError).field).toBe('diskGiB');
    expect((err as Error).message).not.toContain('.creating-');
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('creates the library root on first use', () => {
    const deep = path.join(root, 'a', 'b');
    createVm({ root: deep, name: 'first', ...base });
    expect(fs.existsSync(path.join(deep, 'first', 'first.vmx'))).toBe(true);
  });

  it('checks every input, naming the field and the remedy, before touching the disk', () => {
    const bad: Array<[Partial<Parameters<typeof createVm>[0]>, string, RegExp]> = [
      [{ name: '../escape' }, 'name', /not a usable VM name: use letters/],
      [{ name: '.hidden' }, 'name', /not a usable VM name/],
      [{ name: 'a/b' }, 'name', /not a usable VM name/],
      [{ name: 'x'.repeat(201) }, 'name', /longer than 200 bytes/],
      [{ memoryMiB: 1000.5 }, 'memoryMiB', /multiple of 4 MiB/],
      [{ memoryMiB: 1022 }, 'memoryMiB', /multiple of 4 MiB/],
      [{ memoryMiB: 8 }, 'memoryMiB', /from 16M/],
      [{ cpus: 0 }, 'cpus', /use 1 to 8/],
      [{ cpus: 9 }, 'cpus', /use 1 to 8/],
      [{ diskGiB: 0 }, 'diskGiB', /whole number of MiB/],
      [{ diskGiB: 1e-9 }, 'diskGiB', /whole number of MiB/],
      [{ guestOS: 'other 64"' }, 'guestOS', /not a VMware guest id: use e.g. other-64/],
      [{ cdrom: path.join(top, 'missing.iso') }, 'cdrom', /cannot be read \(ENOENT\): give an existing ISO/],
      [{ cdrom: top }, 'cdrom', /is not a file/],
    ];
    for (const [patch, field, msg] of bad) {
      let err: unknown;
      try {
        createVm({ root, name: 'ok', ...base, ...patch });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(patch)).toBeInstanceOf(CreateVmError);
      expect((err as CreateVmError).field).toBe(field);
      expect((err as Error).message).toMatch(msg);
    }
    expect(fs.existsSync(root)).toBe(false);
    expect(vmNameProblem('Debian 12 (test)')).toBeNull();
    expect(vmNameProblem('Ubuntu ünicode-1.2')).toBeNull();
    expect(vmNameProblem('trailing ')).not.toBeNull();
  });
});

describe('listVms', () => {
  it('lists a malformed .vmx with its line, and keeps listing the others', () => {
    createVm({ root, name: 'good', ...base });
    write(path.join(root, 'broken', 'broken.vmx'), '.encoding = "UTF-8"\ndisplayName = "b"\nthis line is not a setting\n');
    write(path.join(root, 'badvalue', 'badvalue.vmx'), 'memsize = "lots"\n');
    const { vms } = listVms([root]);
    expect(vms.map((v) => v.name)).toEqual(['badvalue', 'broken', 'good']);
    expect(vms[1].error).toContain(`${path.join(root, 'broken', 'broken.vmx')}:3: malformed line`);
    expect(vms[1].state).toBe('stopped');
    expect(vms[0].error).toMatch(/badvalue\.vmx:1: .*memsize/);
    expect(vms[2].error).toBeUndefined();
  });

  it('reports a disk problem on the VM instead of failing', () => {
    write(path.join(root, 'nodisk', 'nodisk.vmx'), 'displayName = "No disk"\nide0:0.present = "TRUE"\nide0:0.fileName = "gone.vmdk"\n' +
      'scsi0:0.present = "TRUE"\nscsi0:0.fileName = "[datastore1] x/x.vmdk"\n');
    const [vm] = listVms([root]).vms;
    expect(vm.error).toBeUndefined();
    expect(vm.name).toBe('No disk');
    expect(vm.memoryMiB).toBe(32); // VMware's default when memsize is absent
    expect(vm.disks).toHaveLength(2);
    expect(vm.disks[0]).toMatchObject({ device: 'ide0:0', path: path.join(root, 'nodisk', 'gone.vmdk') });
    expect(vm.disks[0].error).toContain('gone.vmdk');
    expect(vm.disks[1].error).toContain('ESXi datastore path');
  });

  it('finds .vmx files in the root and one level down only, skipping hidden and lock folders', () => {
    write(path.join(root, 'loose.vmx'), 'displayName = "loose"\n');
    write(path.join(root, 'vm1', 'vm1.vmx'), '');
    write(path.join(root, 'vm1', 'vm1.vmxf'), '');
    write(path.join(root, 'deep', 'inner', 'deep.vmx'), '');
    write(path.join(root, '.x.creating-abc123', 'x.vmx'), '');
    write(path.join(root, 'vm2.vmx.lck', 'a.vmx'), '');
    expect(findVmxFiles(root)).toEqual([path.join(root, 'loose.vmx'), path.join(root, 'vm1', 'vm1.vmx')]);
  });

  it('skips a missing root, reports an unreadable one, and lists a VM reached twice once', () => {
    createVm({ root, name: 'once', ...base });
    const file = path.join(top, 'not-a-folder');
    fs.writeFileSync(file, '');
    const { vms, folderErrors } = listVms([path.join(root, 'missing'), root, path.join(root, 'once'), file]);
    expect(vms.map((v) => v.name)).toEqual(['once']);
    expect(folderErrors).toEqual([{ folder: file, error: expect.stringContaining('ENOTDIR') }]);
  });
});

describe('lockState', () => {
  const fakeLock = (vmx: string, files: Record<string, string>) => {
    fs.mkdirSync(lockPathFor(vmx), { recursive: true });
    for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(lockPathFor(vmx), n), t);
  };

  it('is running while the .vmx lock is held, stopped once released', () => {
    const vmx = createVm({ root, name: 'locked', ...base });
    const lock = acquireLock(vmx);
    try {
      expect(listVms([root]).vms[0]).toMatchObject({ state: 'running', lockHolder: expect.stringContaining(`pid ${process.pid}`) });
    } finally {
      lock.release();
    }
    expect(summarizeVm(vmx).state).toBe('stopped');
  });

  it('judges records by other processes: live pid, dead pid, other host, VMware, half-made', async () => {
    fs.mkdirSync(root);
    const vmx = path.join(root, 'v.vmx');
    const child = spawn('sleep', ['30']);
    try {
      await new Promise((r) => child.once('spawn', r));
      fakeLock(vmx, { 'vireo.lck': JSON.stringify({ pid: child.pid, host: os.hostname(), created: 'then' }) });
      expect(lockState(vmx)).toEqual({ state: 'running', lockHolder: `pid ${child.pid} since then` });
    } finally {
      child.kill();
    }
    await new Promise((r) => child.once('exit', r));
    expect(lockState(vmx)).toEqual({ state: 'stopped' }); // stale: the next run breaks it
    expect(fs.existsSync(lockPathFor(vmx))).toBe(true); // listing changes nothing

    fs.writeFileSync(path.join(lockPathFor(vmx), 'vireo.lck'), JSON.stringify({ pid: 1, host: 'elsewhere', created: 't' }));
    expect(lockState(vmx)).toMatchObject({ state: 'running', lockHolder: expect.stringContaining('on host elsewhere') });

    fs.rmSync(lockPathFor(vmx), { recursive: true });
    fakeLock(vmx, { 'M12345.lck': '' });
    expect(lockState(vmx)).toMatchObject({ state: 'running', lockHolder: expect.stringContaining('M12345.lck') });

    fs.rmSync(lockPathFor(vmx), { recursive: true });
    fakeLock(vmx, {});
    expect(lockState(vmx)).toEqual({ state: 'running', lockHolder: 'starting' });
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockPathFor(vmx), old, old);
    expect(lockState(vmx)).toEqual({ state: 'stopped' });
  });
});

describe('libraryRoots', () => {
  it('uses $VIREO_LIBRARY or ~/Vireo, then .folders, then the given folders, without duplicates', () => {
    const home = path.join(root, 'home');
    expect(defaultRoot({}, home)).toBe(path.join(home, 'Vireo'));
    expect(defaultRoot({ VIREO_LIBRARY: '~/vms' }, home)).toBe(path.join(home, 'vms'));
    const lib = path.join(root, 'lib');
    write(path.join(lib, '.folders'), `# VMware's folders\n~/vmware\n\n  /srv/vms  \nrelative\r\n${lib}\n`);
    expect(libraryRoots(['/srv/vms', 'extra'], { VIREO_LIBRARY: lib }, home)).toEqual([
      lib, path.join(home, 'vmware'), '/srv/vms', path.join(lib, 'relative'), path.resolve('extra'),
    ]);
    expect(libraryRoots([], {}, home)).toEqual([path.join(home, 'Vireo')]);
    fs.rmSync(path.join(lib, '.folders'));
    fs.mkdirSync(path.join(lib, '.folders'));
    expect(() => libraryRoots([], { VIREO_LIBRARY: lib }, home)).toThrow(`${path.join(lib, '.folders')}: cannot read the folder list (EISDIR)`);
  });

  it('lists VMs from a VMware folder named in .folders', () => {
    const lib = path.join(root, 'lib');
    const vmware = path.join(root, 'vmware');
    createVm({ root: vmware, name: 'Win', ...base, guestOS: 'windows9-64' });
    write(path.join(lib, '.folders'), `${vmware}\n`);
    const { vms } = listVms(libraryRoots([], { VIREO_LIBRARY: lib }));
    expect(vms.map((v) => [v.name, v.guestOS])).toEqual([['Win', 'windows9-64']]);
  });
});
