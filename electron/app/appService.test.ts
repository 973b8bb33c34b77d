import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppService } from './appService';
import { AppLibrary } from './appLibrary';
import type { HostHandle } from './hostHandle';
import { VmRunner } from './vmRunner';
import type { LibraryEntry } from '../common/appProtocol';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-svc-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function service(clip?: { text: string }) {
  fs.writeFileSync(path.join(dir, 'demo.bin'), '');
  const started: string[] = [];
  const fake: HostHandle = { send: () => undefined, onEvent: () => undefined, onExit: () => undefined, kill: () => undefined };
  const runner = new VmRunner<HostHandle>((id) => (started.push(id), fake), () => undefined);
  const svc = new AppService({
    library: new AppLibrary(path.join(dir, 'l.json'), dir),
    runner,
    capabilities: async () => ({ kvm: false, nested: {} as never }),
    clipboard: clip && { read: async () => clip.text, write: async (t) => void (clip.text = t) },
  });
  return { svc, started };
}

describe('AppService', () => {
  it('answers library requests and starts VMs by id only', async () => {
    const { svc, started } = service();
    const snap = (await svc.handle({ kind: 'library-list' })) as { entries: { id: string }[] };
    expect(snap.entries.map((e) => e.id)).toEqual(['demo']);
    await svc.handle({ kind: 'vm-start', id: 'demo' });
    expect(started).toEqual(['demo']);
    await expect(svc.handle({ kind: 'vm-start', id: 'nope' })).rejects.toThrow(/no VM/);
    await expect(svc.handle({ kind: 'library-remove', id: 'demo' })).rejects.toThrow(/stop the VM/);
    fs.rmSync(path.join(dir, 'demo.bin'));
    await expect(service().svc.handle({ kind: 'vm-start', id: 'demo' })).resolves.toBeNull();
    fs.rmSync(path.join(dir, 'demo.bin'));
    const fresh = new AppService({ library: new AppLibrary(path.join(dir, 'l2.json'), dir), runner: new VmRunner<HostHandle>(() => { throw new Error('must not fork'); }, () => undefined), capabilities: async () => ({}) as never });
    await expect(fresh.handle({ kind: 'vm-start', id: 'demo' })).rejects.toThrow(/demo guest is not built/);
  });

  it('rejects malformed and unknown requests', async () => {
    const { svc } = service();
    await expect(svc.handle(null)).rejects.toThrow(/malformed/);
    await expect(svc.handle({ kind: 'shell', cmd: 'rm -rf /' })).rejects.toThrow(/unknown request/);
    await expect(svc.handle({ kind: 'library-save', entry: { config: { name: 'x' } } })).rejects.toThrow();
  });

  it('brokers the system clipboard when there is one', async () => {
    const clip = { text: 'host text' };
    const { svc } = service(clip);
    expect(await svc.handle({ kind: 'clipboard-read' })).toBe('host text');
    await svc.handle({ kind: 'clipboard-write', text: 'guest text' });
    expect(clip.text).toBe('guest text');
    await expect(service().svc.handle({ kind: 'clipboard-read' })).rejects.toThrow(/no system clipboard/);
  });

  it('opens .vmx files into the library and reports the ones it cannot read', () => {
    const vmx = path.join(dir, 'Legacy Box.vmx');
    fs.writeFileSync(vmx, '.encoding = "UTF-8"\nconfig.version = "8"\ndisplayName = "Legacy Box"\nmemsize = "256"\nnumvcpus = "2"\nvhv.enable = "TRUE"\nisolation.tools.paste.disable = "TRUE"\n');
    const { svc } = service();
    const { opened, errors } = svc.openVmxFiles([vmx, path.join(dir, 'missing.vmx')]);
    expect(errors).toHaveLength(1);
    expect(opened[0]).toMatchObject({ origin: 'vmx', config: { name: 'Legacy Box', memoryMiB: 256, cpus: 2, firmware: 'seabios', vmxPath: vmx, tools: { pasteAllowed: false } }, nested: { exposeVirtualization: true } });
    expect(svc.openVmxFiles([vmx]).opened[0]!.id).toBe(opened[0]!.id);
    // A big VM opens too: its settings come from the .vmx, not from the library's checks.
    const big = path.join(dir, 'Big.vmx');
    fs.writeFileSync(big, 'memsize = "131072"\nnumvcpus = "32"\n');
    expect(svc.openVmxFiles([big]).opened[0]).toMatchObject({ config: { memoryMiB: 131072, cpus: 8 }, notices: [expect.stringMatching(/^not supported yet: 32 vCPUs/)] });
  });

  it('asks once for disks a .vmx names outside its folder: start refused until allowed, then only those files reach the host', async () => {
    const vmDir = path.join(dir, 'vm');
    fs.mkdirSync(vmDir);
    const outside = path.join(dir, 'shared.vmdk');
    fs.writeFileSync(outside, Buffer.alloc(4096));
    fs.writeFileSync(path.join(vmDir, 'own.vmdk'), Buffer.alloc(4096));
    const vmx = path.join(vmDir, 'Box.vmx');
    fs.writeFileSync(vmx, `.encoding = "UTF-8"\nmemsize = "64"\nide0:0.present = "TRUE"\nide0:0.fileName = "own.vmdk"\nide0:1.present = "TRUE"\nide0:1.fileName = "../shared.vmdk"\n`);
    fs.writeFileSync(path.join(dir, 'demo.bin'), '');
    const sent: unknown[] = [];
    const runner = new VmRunner<HostHandle>(() => ({
      send: (r) => void sent.push(r),
      onEvent: (l) => l({ kind: 'hello', v: 1 } as never),
      onExit: () => undefined,
      kill: () => undefined,
    }), () => undefined);
    const libFile = path.join(dir, 'lib.json');
    const svc = new AppService({ library: new AppLibrary(libFile, dir), runner, capabilities: async () => ({}) as never });
    const entry = svc.openVmxFiles([vmx]).opened[0]!;
    const listed = ((await svc.handle({ kind: 'library-list' })) as { entries: LibraryEntry[] }).entries.find((e) => e.id === entry.id)!;
    expect(listed.externalDisks).toEqual([outside]);
    expect(listed.allowedExternalDisks).toBeUndefined();
    await expect(svc.handle({ kind: 'vm-start', id: entry.id })).rejects.toThrow(/uses files outside its VM folder .*shared\.vmdk/);
    expect(sent).toEqual([]);
    // The page may only allow what main itself found outside the folder.
    const allowed = (await svc.handle({ kind: 'vm-allow-external-disks', id: entry.id, files: [outside, '/etc/shadow'] })) as LibraryEntry;
    expect(allowed.allowedExternalDisks).toEqual([outside]);
    await svc.handle({ kind: 'vm-start', id: entry.id });
    expect(sent).toEqual([expect.objectContaining({ kind: 'start', config: expect.objectContaining({ vmxPath: vmx, externalDisks: [outside] }) })]);
    // Recorded in the library file: asked once.
    expect(new AppLibrary(libFile, dir).get(entry.id)!.allowedExternalDisks).toEqual([outside]);
    await expect(svc.handle({ kind: 'vm-allow-external-disks', id: 'demo', files: [outside] })).rejects.toThrow(/no disks outside/);
  });

  it('a .vmx VM is what its file says now: disks at their positions, notices, the editor writing the .vmx, "applies at next power on" while it runs', async () => {
    const vmDir = path.join(dir, 'Lab');
    fs.mkdirSync(vmDir);
    fs.writeFileSync(path.join(vmDir, 'Lab.vmdk'), Buffer.alloc(4096));
    fs.writeFileSync(path.join(vmDir, 'install.iso'), Buffer.alloc(4096));
    const vmx = path.join(vmDir, 'Lab.vmx');
    const text = '.encoding = "UTF-8"\ndisplayName = "Lab"\nmemsize = "512"\nsata0.present = "TRUE"\nsata0:0.fileName = "Lab.vmdk"\nsata0:0.present = "TRUE"\n' +
      'sata0:1.present = "TRUE"\nsata0:1.deviceType = "cdrom-image"\nsata0:1.fileName = "install.iso"\nsound.present = "TRUE"\nvendor.key = "kept"\n';
    fs.writeFileSync(vmx, text);
    fs.writeFileSync(path.join(dir, 'demo.bin'), '');
    const sent: { kind: string; config?: unknown }[] = [];
    let live = true;
    const runner = new VmRunner<HostHandle>(() => ({
      send: (r) => void sent.push(r),
      onEvent: (l) => l({ kind: 'hello', v: 1 } as never),
      onExit: () => undefined,
      kill: () => undefined,
    }), () => undefined);
    runner.isLive = () => live;
    const svc = new AppService({ library: new AppLibrary(path.join(dir, 'lib.json'), dir), runner, capabilities: async () => ({}) as never });
    const id = svc.openVmxFiles([vmx]).opened[0]!.id;
    const list = async () => ((await svc.handle({ kind: 'library-list' })) as { entries: LibraryEntry[] }).entries.find((e) => e.id === id)!;
    const entry = await list();
    expect(entry.notices).toEqual(['not supported yet: a sound card (sound.present)']);
    expect(entry.config.disks).toEqual([
      { path: path.join(vmDir, 'Lab.vmdk'), kind: 'disk', bus: 'sata', unit: 0 },
      { path: path.join(vmDir, 'install.iso'), kind: 'cdrom', bus: 'sata', unit: 1 },
    ]);
    // The editor's save while the VM runs: written now, marked until the next power on.
    const settings = { ...entry.vmx!, memsizeMiB: 1024, nestedVirtualization: true };
    const saved = (await svc.handle({ kind: 'vmx-save', id, settings, nested: { ...entry.nested, backdoorFromCpl3: true }, newDisks: [] })) as LibraryEntry;
    expect(fs.readFileSync(vmx, 'utf8')).toBe(text.replace('memsize = "512"', 'memsize = "1024"') + 'vhv.enable = "TRUE"\n');
    expect(saved).toMatchObject({ appliesAtNextPowerOn: true, config: { memoryMiB: 1024, nestedVirtualization: true }, nested: { exposeVirtualization: true, backdoorFromCpl3: true } });
    live = false;
    await svc.handle({ kind: 'vm-start', id });
    expect(sent).toEqual([expect.objectContaining({ kind: 'start', config: expect.objectContaining({ memoryMiB: 1024, nestedVirtualization: true }) })]);
    expect((await list()).appliesAtNextPowerOn).toBeUndefined();
    // A file changed elsewhere is what the library shows next; a broken one says where.
    fs.writeFileSync(vmx, text.replace('memsize = "512"', 'firmware = "efi"'));
    expect((await list()).problems).toEqual([expect.stringMatching(/^not supported yet: UEFI firmware/)]);
    fs.writeFileSync(vmx, 'memsize = "lots"\n');
    expect((await list()).problems).toEqual([expect.stringMatching(/Lab\.vmx:1: memsize: expected a whole number/)]);
    await expect(svc.handle({ kind: 'vmx-save', id: 'demo', settings, nested: entry.nested, newDisks: [] })).rejects.toThrow(/no VM with a \.vmx file/);
  });
});
