// The disk tool end to end: create, info, check through the real CLI; qemu-img agrees.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { ROOT } from '../testing/runCli';
import { parseDiskSize } from './disk';

const cli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/vireo.js'), 'disk', ...args], { encoding: 'utf8' });
const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!haveQemuImg && process.env.VIREO_REQUIRE_TOOLS === '1') throw new Error('VIREO_REQUIRE_TOOLS=1 but qemu-img is not on PATH');
if (!haveQemuImg) process.stderr.write('SKIPPED qemu-img cross-check in disk.test.ts: qemu-img not installed\n');

describe('vireo disk', () => {
  it('parses sizes', () => {
    expect(parseDiskSize('20G')).toBe(20 * 2 ** 30);
    expect(parseDiskSize('512M')).toBe(512 * 2 ** 20);
    expect(() => parseDiskSize('big')).toThrow('is not a size');
  });

  it('creates a sparse VMDK that info and check read, and qemu-img accepts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-disk-'));
    const file = path.join(dir, 'd.vmdk');
    const created = cli(['create', file, '1G']);
    expect(created.status).toBe(0);
    const info = cli(['info', file]);
    expect(info.status).toBe(0);
    expect(info.stdout).toContain('file format: vmdk');
    expect(info.stdout).toMatch(/virtual size: 1 GiB/);
    const check = cli(['check', file]);
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('No errors were found');
    if (haveQemuImg) {
      const q = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' }));
      expect(q['virtual-size']).toBe(2 ** 30);
      expect(q.format).toBe('vmdk');
    }
  });

  it('names the file and the problem for a bad image, exit 2, nothing written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-disk-'));
    const file = path.join(dir, 'bad.vmdk');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('KDMV'), Buffer.alloc(508, 0xff)]));
    const before = fs.readFileSync(file);
    const r = cli(['info', file]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(file);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('check reports a crafted descriptor (extent outside its folder) and corrupt grain tables as errors, exit 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-disk-'));
    const secret = path.join(dir, 'secret');
    fs.writeFileSync(secret, 'x'.repeat(8192));
    const vm = path.join(dir, 'vm');
    fs.mkdirSync(vm);
    const desc = path.join(vm, 'evil.vmdk');
    fs.writeFileSync(desc, 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 16 FLAT "../secret" 0\n');
    const r = cli(['check', desc]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`ERROR ${desc}: names ${secret}, which is outside ${vm}\n\n1 error was found on the image ${desc}.\n`);

    const img = path.join(vm, 'm.vmdk');
    expect(cli(['create', img, '1M']).status).toBe(0);
    const b = Buffer.concat([fs.readFileSync(img), Buffer.alloc(1 << 20)]); // room for a whole grain
    const gd = Number(b.readBigUInt64LE(56));
    const rgd = Number(b.readBigUInt64LE(48));
    for (const at of [gd, rgd]) b.writeUInt32LE(gd, b.readUInt32LE(at * 512) * 512); // grain 0 := the GD itself
    fs.writeFileSync(img, b);
    const c = cli(['check', img]);
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(/^ERROR .*m\.vmdk: grain 0 \(sector \d+\) overlaps grain directory|^ERROR .*m\.vmdk: grain directory \(sector \d+\) overlaps/m);
    expect(fs.readFileSync(img).equals(b)).toBe(true);
  });

  it('a FLAT extent past RLIMIT_FSIZE is refused at open (prlimit --fsize)', () => {
    if (spawnSync('sh', ['-c', 'command -v prlimit']).status !== 0) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-disk-'));
    fs.writeFileSync(path.join(dir, 'f-flat.vmdk'), Buffer.alloc(4096));
    const desc = path.join(dir, 'disk.vmdk');
    fs.writeFileSync(desc, 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 16 FLAT "f-flat.vmdk" 8192\n');
    const r = spawnSync('prlimit', ['--fsize=1048576', process.execPath, path.join(ROOT, 'bin/vireo.js'), 'disk', 'info', desc], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`vireo: ${desc}: FLAT extent f-flat.vmdk ends at byte 4202496, past this host's file-size limit of 1048576 bytes\n`);
    expect(cli(['info', desc]).status).toBe(0); // without the limit it opens
  });
});
