import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppService } from './appService';
import { AppLibrary } from './appLibrary';
import type { HostHandle } from './hostHandle';
import { VmRunner } from './vmRunner';
import type { LibraryEntry } from '../common/appProtocol';
import { vmxPathsFromArgv } from './vmxImport';

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
  });

  it('finds .vmx paths in argv relative to the caller directory', () => {
    expect(vmxPathsFromArgv(['--no-sandbox', 'a.VMX', '/abs/b.vmx', 'notes.txt'], '/home/u')).toEqual(['/home/u/a.VMX', '/abs/b.vmx']);
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
});
