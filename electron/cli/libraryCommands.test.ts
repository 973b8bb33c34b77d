// `vireo list` / `vireo create` through their command functions, on temp library folders.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { acquireLock } from '../vmfiles/lock';
import { UsageError } from './args';
import { createCommand, listCommand } from './libraryCommands';

const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!haveQemuImg && process.env.VIREO_REQUIRE_TOOLS === '1') throw new Error('VIREO_REQUIRE_TOOLS=1 but qemu-img is not on PATH');
if (!haveQemuImg) process.stderr.write('SKIPPED qemu-img cross-check in cli/libraryCommands.test.ts: qemu-img not installed\n');

const top = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-cli-library-'));
afterAll(() => fs.rmSync(top, { recursive: true, force: true }));
let lib = '';
let env: NodeJS.ProcessEnv = {};
beforeEach((ctx) => {
  lib = path.join(top, ctx.task.id);
  env = { VIREO_LIBRARY: lib };
});

function run(cmd: typeof listCommand, argv: string[]): string {
  let text = '';
  expect(cmd(argv, (t) => (text += t), env)).toBe(0);
  return text;
}

/** The one-line UsageError message a bad command line gives. */
function usage(cmd: typeof listCommand, argv: string[]): string {
  try {
    cmd(argv, () => {}, env);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('vireo create', () => {
  it('creates NAME in the library with the defaults and prints the .vmx path; list shows it', () => {
    const out = run(createCommand, ['Debian 12']);
    const vmx = path.join(lib, 'Debian 12', 'Debian 12.vmx');
    expect(out).toBe(`${vmx}\n`);
    const text = fs.readFileSync(vmx, 'utf8');
    for (const l of ['memsize = "1024"', 'numvcpus = "2"', 'guestOS = "other-64"']) expect(text).toContain(l);
    if (haveQemuImg) {
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path.join(lib, 'Debian 12', 'Debian 12.vmdk')], { encoding: 'utf8' }));
      expect(info['virtual-size']).toBe(20 * 2 ** 30);
    }
    const table = run(listCommand, []).split('\n');
    expect(table[0]).toMatch(/^NAME\s+STATE\s+MEMORY\s+VCPUS\s+DISK\s+PATH$/);
    expect(table[1]).toMatch(new RegExp(`^Debian 12\\s+stopped\\s+1G\\s+2\\s+20 GiB\\s+${vmx.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('takes every option, --folder included', () => {
    const iso = path.join(top, 'x.iso');
    fs.writeFileSync(iso, Buffer.alloc(2048));
    const folder = path.join(lib, 'elsewhere');
    const out = run(createCommand, ['tiny', '--memory', '64M', '--cpus', '1', '--disk', '512M', '--guest-os', 'otherlinux-64', '--cdrom', iso, '--folder', folder]);
    expect(out).toBe(`${path.join(folder, 'tiny', 'tiny.vmx')}\n`);
    const row = run(listCommand, [folder]).split('\n')[1];
    expect(row).toMatch(/^tiny\s+stopped\s+64M\s+1\s+512 MiB\s+/);
    expect(fs.readFileSync(path.join(folder, 'tiny', 'tiny.vmx'), 'utf8')).toContain(`ide1:0.fileName = "${iso}"`);
  });

  it('gives one line naming the option and the remedy for bad input', () => {
    expect(usage(createCommand, [])).toMatch(/needs a NAME: vireo create NAME/);
    expect(usage(createCommand, ['a', 'b'])).toMatch(/one NAME.*quote a name with spaces/);
    expect(usage(createCommand, ['a', '--colour', 'red'])).toMatch(/unknown option --colour/);
    expect(usage(createCommand, ['a', '--memory'])).toBe('--memory needs a value');
    expect(usage(createCommand, ['a', '--memory', 'lots'])).toMatch(/^--memory lots is not a size: use e.g. 512M/);
    expect(usage(createCommand, ['a', '--memory', '1022M'])).toMatch(/^--memory 1022M is not usable: use a multiple of 4 MiB/);
    expect(usage(createCommand, ['a', '--cpus', '1.5'])).toMatch(/^--cpus 1.5 is not a whole number: use 1 to 8/);
    expect(usage(createCommand, ['a', '--cpus', '9'])).toMatch(/^--cpus 9 is out of range: use 1 to 8/);
    expect(usage(createCommand, ['a', '--disk', '20X'])).toMatch(/^--disk 20X is not a size: use e.g. 20G/);
    expect(usage(createCommand, ['a', '--disk', '1000K'])).toMatch(/^--disk 1000K is not usable: use a positive whole number of MiB/);
    expect(usage(createCommand, ['a', '--disk', '65T'])).toMatch(/^--disk 65T is not possible \(.*\): use a smaller disk$/);
    expect(usage(createCommand, ['a', '--guest-os', 'Win 11'])).toMatch(/^--guest-os "Win 11" is not a VMware guest id: use e.g. other-64/);
    expect(usage(createCommand, ['a', '--cdrom', '/no/such.iso'])).toMatch(/^--cdrom \/no\/such.iso cannot be read \(ENOENT\): give an existing ISO/);
    expect(usage(createCommand, ['a/b'])).toMatch(/^NAME "a\/b" is not a usable VM name: use letters/);
    expect(fs.existsSync(lib) ? fs.readdirSync(lib) : []).toEqual([]);
    run(createCommand, ['a', '--disk', '1M']);
    expect(usage(createCommand, ['a'])).toMatch(/^NAME "a" already exists \(.*\): choose another name or remove that folder$/);
  });
});

describe('vireo list', () => {
  it('says where it looked when the library is empty', () => {
    expect(run(listCommand, [])).toBe(`no VMs in ${lib}: make one with vireo create NAME\n`);
  });

  it('shows running VMs, malformed ones with their line, disk problems, and missing .folders entries', () => {
    run(createCommand, ['up', '--memory', '256M', '--disk', '1M']);
    const lock = acquireLock(path.join(lib, 'up', 'up.vmx'));
    fs.mkdirSync(path.join(lib, 'bad'));
    fs.writeFileSync(path.join(lib, 'bad', 'bad.vmx'), 'displayName = "bad"\nmemsize = 12 34\n');
    fs.mkdirSync(path.join(lib, 'nodisk'));
    fs.writeFileSync(path.join(lib, 'nodisk', 'nodisk.vmx'), 'displayName = "evil\x1b[2Jname"\nide0:0.fileName = "gone.vmdk"\nide0:0.present = "TRUE"\n');
    fs.writeFileSync(path.join(lib, '.folders'), '/no/such/vmware\n');
    let text: string;
    try {
      text = run(listCommand, []);
    } finally {
      lock.release();
    }
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^bad\s+stopped\s+-\s+-\s+-\s+\S*bad\.vmx$/);
    expect(lines[2]).toMatch(/^ {2}error: .*bad\.vmx:2: malformed line "memsize = 12 34"/);
    expect(lines[3]).toMatch(/^evil\?\[2Jname\s+stopped\s+32M\s+1\s+\?\s+/);
    expect(lines[4]).toMatch(/^ {2}ide0:0: .*gone\.vmdk/);
    expect(lines[5]).toMatch(/^up\s+running\s+256M\s+2\s+1 MiB\s+/);
    expect(lines[6]).toBe(`folder /no/such/vmware (from ${lib}/.folders) does not exist`);
    expect(text).not.toContain('\x1b');
  });

  it('refuses options and folders that do not exist', () => {
    expect(usage(listCommand, ['--all'])).toMatch(/unknown option --all: use vireo list \[FOLDER...\]/);
    expect(usage(listCommand, ['/no/such/dir'])).toMatch(/folder \/no\/such\/dir does not exist: give a folder/);
  });
});
