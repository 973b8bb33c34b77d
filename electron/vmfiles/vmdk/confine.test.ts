// Crafted VM folders (issue 9, hole 3): a descriptor's extents and its parent resolve, with
// symlinks followed, inside the descriptor's own folder; special files are refused; grain
// tables that point into the file's own metadata are corruption; chain loops are found by
// real path; FLAT extents past the host's file-size limit are refused at open. Every folder
// is built here in a tmp dir.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskError, createSparseVmdk, openDisk } from './index';

// Lets a test act between the opener's checks and its open(2) (the TOCTOU window).
const hooks = vi.hoisted(() => ({ beforeOpen: null as null | ((p: string) => void) }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const openSync = (p: fs.PathLike, ...rest: unknown[]) => {
    hooks.beforeOpen?.(String(p));
    return (real.openSync as (...a: unknown[]) => number)(p, ...rest);
  };
  return { ...real, default: { ...real, openSync }, openSync };
});

let root = '';
let secret = '';
const SECRET = Buffer.alloc(8192, 0x53);
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-confine-'));
  secret = path.join(root, 'secret.bin');
  fs.writeFileSync(secret, SECRET);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
const vmDir = () => fs.mkdtempSync(path.join(root, `vm${n++}-`));

function diskError(fn: () => unknown): DiskError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(DiskError);
    return e as DiskError;
  }
  throw new Error('expected a DiskError');
}

function flatDescriptor(dir: string, extent: string, extra = ''): string {
  const desc = path.join(dir, 'disk.vmdk');
  fs.writeFileSync(desc, `# Disk DescriptorFile\nversion=1\nCID=11111111\nparentCID=ffffffff\n${extra}createType="monolithicFlat"\nRW 16 FLAT "${extent}" 0\n`);
  return desc;
}

describe('extents resolve inside the descriptor folder (no option needed)', () => {
  it.each([
    ['an absolute path', () => secret],
    ['a ../ path', () => '../secret.bin'],
    ['a path that climbs back in', () => 'x/../../secret.bin'],
  ])('%s is refused, naming the extent', (_what, name) => {
    const dir = vmDir();
    const desc = flatDescriptor(dir, name());
    for (const readOnly of [true, false]) {
      const e = diskError(() => openDisk(desc, { readOnly }));
      expect(e.code).toBe('forbidden-path');
      expect(e.file).toBe(desc);
      expect(e.message).toMatch(/secret\.bin.* is outside .*vm\d+-/);
    }
    expect(fs.readFileSync(secret).equals(SECRET)).toBe(true);
  });

  it('a symlink to a file outside, or through a symlinked directory, is refused', () => {
    const dir = vmDir();
    fs.symlinkSync(secret, path.join(dir, 'link-flat.vmdk'));
    expect(diskError(() => openDisk(flatDescriptor(dir, 'link-flat.vmdk'))).code).toBe('forbidden-path');
    fs.symlinkSync(root, path.join(dir, 'up'));
    expect(diskError(() => openDisk(flatDescriptor(dir, 'up/secret.bin'))).code).toBe('forbidden-path');
  });

  it('an extent inside the folder, even through a symlink that stays inside, opens', () => {
    const dir = vmDir();
    fs.writeFileSync(path.join(dir, 'real-flat.vmdk'), Buffer.alloc(8192, 7));
    fs.symlinkSync('real-flat.vmdk', path.join(dir, 'alias-flat.vmdk'));
    const d = openDisk(flatDescriptor(dir, 'alias-flat.vmdk'), { readOnly: true });
    const b = Buffer.alloc(512);
    d.read(0, b);
    expect(b[0]).toBe(7);
    d.close();
  });

  it('the folder is the real folder of the descriptor: a symlinked VM folder works, its extents still may not leave it', () => {
    const dir = vmDir();
    fs.writeFileSync(path.join(dir, 'd-flat.vmdk'), Buffer.alloc(8192));
    const desc = flatDescriptor(dir, 'd-flat.vmdk');
    const alias = path.join(root, `alias${n++}`);
    fs.symlinkSync(dir, alias);
    openDisk(path.join(alias, 'disk.vmdk'), { readOnly: true }).close();
    flatDescriptor(dir, '../secret.bin');
    expect(diskError(() => openDisk(path.join(alias, 'disk.vmdk'))).code).toBe('forbidden-path');
    expect(fs.existsSync(desc)).toBe(true);
  });

  it('an extent that is the descriptor itself under another name is corrupt', () => {
    const dir = vmDir();
    const desc = path.join(dir, 'disk.vmdk');
    fs.symlinkSync('disk.vmdk', path.join(dir, 'self-flat.vmdk'));
    flatDescriptor(dir, 'self-flat.vmdk');
    const before = fs.readFileSync(desc);
    const e = diskError(() => openDisk(desc));
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/names the descriptor file itself/);
    fs.rmSync(path.join(dir, 'self-flat.vmdk'));
    fs.linkSync(desc, path.join(dir, 'self-flat.vmdk'));
    expect(diskError(() => openDisk(desc)).code).toBe('corrupt');
    expect(fs.readFileSync(desc).equals(before)).toBe(true);
  });
});

describe('parents (parentFileNameHint) resolve inside the child folder', () => {
  function child(dir: string, hint: string): string {
    const desc = path.join(dir, 'child.vmdk');
    fs.writeFileSync(desc, `version=1\nCID=22222222\nparentCID=33333333\nparentFileNameHint="${hint}"\ncreateType="monolithicFlat"\nRW 16 ZERO\n`);
    return desc;
  }

  it.each([
    ['absolute', (outside: string) => outside],
    ['../', (outside: string) => `../${path.basename(path.dirname(outside))}/base.vmdk`],
  ])('an %s hint to a parent in another folder is refused', (_w, hint) => {
    const other = vmDir();
    const base = path.join(other, 'base.vmdk');
    createSparseVmdk(base, 1 << 20);
    const desc = child(vmDir(), hint(base));
    const e = diskError(() => openDisk(desc, { readOnly: true }));
    expect(e.code).toBe('forbidden-path');
    expect(e.message).toMatch(/base\.vmdk.* is outside/);
  });

  it('a hint through a symlink to a file outside is refused', () => {
    const dir = vmDir();
    fs.symlinkSync(secret, path.join(dir, 'base.vmdk'));
    expect(diskError(() => openDisk(child(dir, 'base.vmdk'), { readOnly: true })).code).toBe('forbidden-path');
  });

  it('a chain that loops through a symlinked directory is found by real path at once', () => {
    const dir = vmDir();
    fs.symlinkSync('.', path.join(dir, 'sub'));
    const desc = path.join(dir, 'a.vmdk');
    // a's parent is "sub/a.vmdk" = a itself; each level's name differs (sub/sub/…/a.vmdk).
    fs.writeFileSync(desc, 'version=1\nCID=44444444\nparentCID=44444444\nparentFileNameHint="sub/a.vmdk"\ncreateType="monolithicFlat"\nRW 16 ZERO\n');
    const e = diskError(() => openDisk(desc, { readOnly: true }));
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/snapshot chain loops back/);
  });
});

describe('only regular files are disks', () => {
  it.each([
    ['a directory', (p: string) => fs.mkdirSync(p)],
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p])],
    ['a character device', (p: string) => execFileSync('mknod', [p, 'c', '1', '3'])],
    ['a block device', (p: string) => execFileSync('mknod', [p, 'b', '7', '200'])],
  ])('%s is refused as an extent and as the disk itself', (_what, make) => {
    if (process.getuid?.() !== 0 && /device/.test(_what)) return; // mknod needs root
    const dir = vmDir();
    const special = path.join(dir, 'special-flat.vmdk');
    make(special);
    const desc = flatDescriptor(dir, 'special-flat.vmdk');
    for (const file of [desc, special]) {
      const e = diskError(() => openDisk(file));
      expect(e.code).toBe('unsupported');
      expect(e.file).toBe(special);
      expect(e.message).toMatch(/not a regular file/);
    }
  });

  it('a unix socket is refused', async () => {
    const dir = vmDir();
    const sock = path.join(dir, 'sock-flat.vmdk');
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      const e = diskError(() => openDisk(flatDescriptor(dir, 'sock-flat.vmdk')));
      expect(e.code).toBe('unsupported');
      expect(e.message).toMatch(/not a regular file/);
    } finally {
      server.close();
    }
  });

  it('a file swapped for a symlink between the check and the open is refused (st_dev/st_ino compared)', () => {
    const dir = vmDir();
    const ext = path.join(dir, 'swap-flat.vmdk');
    fs.writeFileSync(ext, Buffer.alloc(8192));
    const desc = flatDescriptor(dir, 'swap-flat.vmdk');
    hooks.beforeOpen = (p) => {
      if (p !== ext) return;
      hooks.beforeOpen = null;
      fs.rmSync(ext);
      fs.symlinkSync(secret, ext); // the attacker's move, after the checks
    };
    try {
      const e = diskError(() => openDisk(desc));
      expect(e.code).toBe('forbidden-path');
      expect(e.message).toMatch(/swap-flat\.vmdk: changed while it was opened/);
    } finally {
      hooks.beforeOpen = null;
    }
    // A directory component swapped for a symlink: the inode matches no longer.
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'f-flat.vmdk'), Buffer.alloc(8192));
    fs.mkdirSync(path.join(root, 'evil'), { recursive: true });
    fs.writeFileSync(path.join(root, 'evil', 'f-flat.vmdk'), SECRET);
    const desc2 = flatDescriptor(dir, 'sub/f-flat.vmdk');
    hooks.beforeOpen = (p) => {
      if (p !== path.join(sub, 'f-flat.vmdk')) return;
      hooks.beforeOpen = null;
      fs.renameSync(sub, sub + '.old');
      fs.symlinkSync(path.join(root, 'evil'), sub);
    };
    try {
      const e = diskError(() => openDisk(desc2));
      expect(e.code).toBe('forbidden-path');
      expect(e.message).toMatch(/changed while it was opened|outside/);
    } finally {
      hooks.beforeOpen = null;
    }
    expect(fs.readFileSync(secret).equals(SECRET)).toBe(true);
  });
});

describe('grain tables that point into the file\'s own metadata', () => {
  /** 1 MiB monolithicSparse with data in grain 0; returns layout sectors. */
  function sample() {
    const dir = vmDir();
    const file = path.join(dir, 'm.vmdk');
    createSparseVmdk(file, 1 << 20);
    const d = openDisk(file);
    d.write(0, Buffer.alloc(4096, 0xaa));
    d.close();
    const b = fs.readFileSync(file);
    const gd = Number(b.readBigUInt64LE(56));
    const rgd = Number(b.readBigUInt64LE(48));
    return { file, b, gd, rgd, desc: Number(b.readBigUInt64LE(28)), gt: b.readUInt32LE(gd * 512), rgt: b.readUInt32LE(rgd * 512) };
  }

  const targets: Array<[string, (s: ReturnType<typeof sample>) => number]> = [
    ['the embedded descriptor', (s) => s.desc + 2],
    ['the grain directory', (s) => s.gd],
    ['the redundant grain directory', (s) => s.rgd],
    ['a grain table', (s) => s.gt],
    ['the redundant grain table', (s) => s.rgt],
    ['the header (a grain straddling into the GD)', (s) => s.gd - 1],
  ];

  it.each(targets)('a grain pointing into %s: reads fail with an I/O error, writes never go through', (_w, where) => {
    const s = sample();
    const at = where(s);
    for (const gt of [s.gt, s.rgt]) s.b.writeUInt32LE(at, gt * 512 + 3 * 4); // grain 3 in both copies
    fs.writeFileSync(s.file, s.b);
    const d = openDisk(s.file);
    const e = diskError(() => d.read(3 * 65536, Buffer.alloc(512)));
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/grain table 0 entry 3 points into the (header|embedded descriptor|grain directory|redundant grain directory|grain table|redundant grain table)/);
    expect(diskError(() => d.write(3 * 65536, Buffer.alloc(512, 0xee))).code).toBe('corrupt');
    // The whole table is refused, grain 0 with it: it cannot be trusted.
    expect(diskError(() => d.read(0, Buffer.alloc(16))).code).toBe('corrupt');
    d.close();
    expect(fs.readFileSync(s.file).equals(s.b)).toBe(true);
    // `vireo disk check` reports it.
    const r = openDisk(s.file, { readOnly: true });
    expect(r.check().map((p) => p.message).join('\n')).toMatch(/grain table 0 entry 3 points into|overlaps/);
    r.close();
  });

  it('a grain directory entry pointing into the header, descriptor or directory is refused at open', () => {
    for (const pick of [(s: ReturnType<typeof sample>) => s.desc, (s: ReturnType<typeof sample>) => s.gd, (s: ReturnType<typeof sample>) => s.rgd]) {
      const s = sample();
      s.b.writeUInt32LE(pick(s), s.gd * 512);
      s.b.writeUInt32LE(pick(s), s.rgd * 512);
      fs.writeFileSync(s.file, s.b);
      const e = diskError(() => openDisk(s.file));
      expect(e.code).toBe('corrupt');
      expect(e.message).toMatch(/grain directory entry 0: grain table at sector \d+ lies in the/);
      expect(fs.readFileSync(s.file).equals(s.b)).toBe(true);
    }
  });
});

describe('FLAT extents past the host file-size limit', () => {
  it('an offset past ext4\'s 16 TiB maximum is refused on ext4', () => {
    const dir = vmDir();
    if (fs.statfsSync(dir).type !== 0xef53) return;
    fs.writeFileSync(path.join(dir, 'f-flat.vmdk'), Buffer.alloc(4096));
    const desc = path.join(dir, 'disk.vmdk');
    fs.writeFileSync(desc, `version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 16 FLAT "f-flat.vmdk" ${2 ** 43}\n`);
    const e = diskError(() => openDisk(desc));
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/past this host's file-size limit/);
  });
});

describe('sizes past exact arithmetic', () => {
  it('extents that add up past the disk-size limit (2^37 sectors) are refused at open (regression guard)', () => {
    const dir = vmDir();
    const desc = path.join(dir, 'huge.vmdk');
    const lines = ['version=1', 'CID=1', 'parentCID=ffffffff', 'createType="monolithicFlat"'];
    for (let i = 0; i < 2048; i++) lines.push(`RW ${2 ** 37} ZERO`); // 2^48 sectors: 2^57 bytes, not exact in a double
    fs.writeFileSync(desc, lines.join('\n') + '\n');
    const e = diskError(() => openDisk(desc, { readOnly: true }));
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/extents add up to 281474976710656 sectors \(limit 137438953472\)/);
  });
});
