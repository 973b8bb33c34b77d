import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ID, AppLibrary } from './appLibrary';
import { NO_NESTED } from '../common/appProtocol';
import { ConfigError } from './configCheck';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-lib-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const config = { name: 'Tiny', memoryMiB: 16, cpus: 1, firmware: 'none' as const, kernel: '/g/tiny.bin' };

describe('AppLibrary', () => {
  it('always starts with the built-in demo VM pointing at demo.bin', () => {
    const lib = new AppLibrary(path.join(dir, 'library.json'), '/opt/guests');
    expect(lib.list().map((e) => e.id)).toEqual([DEMO_ID]);
    expect(lib.get(DEMO_ID)!.config.kernel).toBe('/opt/guests/demo.bin');
    expect(() => lib.remove(DEMO_ID)).toThrow(ConfigError);
    expect(() => lib.save({ id: DEMO_ID, config, nested: NO_NESTED })).toThrow(ConfigError);
  });

  it('creates, updates, persists and removes user entries', () => {
    const file = path.join(dir, 'sub', 'library.json');
    const lib = new AppLibrary(file, dir);
    const e = lib.save({ config, nested: NO_NESTED });
    lib.save({ id: e.id, config: { ...config, memoryMiB: 64 }, nested: { ...NO_NESTED, exposeVirtualization: true } });
    const again = new AppLibrary(file, dir);
    expect(again.get(e.id)).toMatchObject({ origin: 'user', config: { memoryMiB: 64 }, nested: { exposeVirtualization: true } });
    again.remove(e.id);
    expect(new AppLibrary(file, dir).list()).toHaveLength(1);
  });

  it('rejects bad configs with every problem listed', () => {
    const lib = new AppLibrary(path.join(dir, 'l.json'), dir);
    try {
      lib.save({ config: { ...config, name: '', cpus: 0, kernel: 'rel' } as never, nested: NO_NESTED });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('keeps one entry per .vmx file', () => {
    const lib = new AppLibrary(path.join(dir, 'l.json'), dir);
    const a = lib.addVmx('/vms/a.vmx', { name: 'A', memoryMiB: 32, cpus: 1, firmware: 'seabios' }, NO_NESTED);
    const b = lib.addVmx('/vms/a.vmx', { name: 'A again', memoryMiB: 32, cpus: 1, firmware: 'seabios' }, NO_NESTED);
    expect(b.id).toBe(a.id);
    expect(a.origin).toBe('vmx');
  });

  it('sets a damaged file aside instead of overwriting it', () => {
    const file = path.join(dir, 'library.json');
    fs.writeFileSync(file, '{not json');
    const lib = new AppLibrary(file, dir);
    expect(lib.list()).toHaveLength(1);
    expect(fs.readdirSync(dir).some((f) => f.startsWith('library.json.damaged-'))).toBe(true);
  });
});

describe('checkConfig via the library', () => {
  it('keeps display, guestInfo and noReboot, and drops unknown fields', () => {
    const lib = new AppLibrary(path.join(os.tmpdir(), `vireo-lib-${process.pid}-x.json`), '/g');
    const e = lib.addVmx('/vms/x.vmx', { ...config, firmware: 'seabios', noReboot: true, display: { maxWidth: 1024, maxHeight: 768, vramMiB: 16 }, guestInfo: { a: 'b' }, evil: 1 } as never, NO_NESTED);
    expect(e.config).toMatchObject({ noReboot: true, display: { maxWidth: 1024 }, guestInfo: { a: 'b' } });
    expect('evil' in e.config).toBe(false);
    lib.remove(e.id);
  });
});

describe('entry problems', () => {
  it('says when the demo guest or a kernel is missing', () => {
    const lib = new AppLibrary(path.join(os.tmpdir(), `vireo-lib-${process.pid}-p.json`), '/nonexistent/guests');
    expect(lib.get(DEMO_ID)!.problems).toEqual([expect.stringContaining('npm run build:guests')]);
    const e = lib.save({ config: { ...config, kernel: '/nonexistent/k.bin' }, nested: NO_NESTED });
    expect(lib.get(e.id)!.problems).toEqual(['kernel /nonexistent/k.bin does not exist']);
    lib.remove(e.id);
  });

  it('keeps the answer about files outside the VM folder per .vmx: another .vmx asks again', () => {
    const vmDir = path.join(dir, 'vm');
    fs.mkdirSync(vmDir);
    const outside = path.join(dir, 'shared.iso');
    fs.writeFileSync(outside, Buffer.alloc(2048));
    const vmx = path.join(vmDir, 'a.vmx');
    fs.writeFileSync(vmx, `ide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "${outside}"\n`);
    const other = path.join(vmDir, 'b.vmx');
    fs.copyFileSync(vmx, other);
    const file = path.join(dir, 'l.json');
    const lib = new AppLibrary(file, dir);
    const e = lib.addVmx(vmx, { name: 'A', memoryMiB: 64, cpus: 1, firmware: 'seabios' }, NO_NESTED);
    expect(lib.get(e.id)).toMatchObject({ externalDisks: [outside] });
    expect(lib.allowExternalDisks(e.id, [outside]).allowedExternalDisks).toEqual([outside]);
    expect(new AppLibrary(file, dir).get(e.id)!.allowedExternalDisks).toEqual([outside]);
    const moved = lib.save({ id: e.id, config: { ...lib.get(e.id)!.config, vmxPath: other }, nested: NO_NESTED });
    expect(moved.allowedExternalDisks).toBeUndefined();
    expect(() => lib.allowExternalDisks('nope', [outside])).toThrow(ConfigError);
  });
});

