// VM folders for the snapshot tests: a .vmx with VMware's usual keys (and a comment and an
// unknown key, which must survive byte for byte), sparse base disks with known bytes,
// a VMware-made snapshot tree (.vmsd, .vmsn, deltas as Workstation names them), a digest
// of a whole folder for "nothing on disk changed", and qemu-img (Debian qemu-utils).
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSparseVmdk, openDisk } from '../vmfiles/vmdk/index';

export const HAVE_QEMU_IMG = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
if (!HAVE_QEMU_IMG && process.env.VIREO_REQUIRE_TOOLS === '1') throw new Error('VIREO_REQUIRE_TOOLS=1 but qemu-img is not on PATH (Debian qemu-utils)');

export const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export const MiB = 1024 * 1024;

/** Deterministic bytes (xorshift32). */
export function pattern(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= len; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b.writeUInt32LE(x, i);
  }
  return b;
}

export interface VmDisk {
  node: string;
  file: string;
  size: number;
  /** Bytes written at offset 0 of the new disk. */
  content?: Buffer;
  mode?: string;
}

/** A VM folder `dir/NAME.vmx` with sparse disks; returns the .vmx path. */
export function makeVm(dir: string, name: string, disks: VmDisk[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const lines = [
    '.encoding = "UTF-8"',
    '# hand-written comment that must survive',
    'config.version = "8"',
    'virtualHW.version = "19"',
    `displayName = "${name}"`,
    'memsize = "64"',
    'guestOS = "other-64"',
    'scsi0.present = "TRUE"',
    'scsi0.virtualDev = "lsilogic"',
    'vendor.unknownKey = "kept as it is"',
  ];
  for (const d of disks) {
    const file = path.join(dir, d.file);
    if (!fs.existsSync(file)) {
      createSparseVmdk(file, d.size, { adapterType: 'lsilogic' });
      if (d.content) writeGuest(file, 0, d.content);
    }
    lines.push(`${d.node}.present = "TRUE"`, `${d.node}.fileName = "${d.file}"`);
    if (d.mode) lines.push(`${d.node}.mode = "${d.mode}"`);
  }
  const vmx = path.join(dir, `${name}.vmx`);
  fs.writeFileSync(vmx, lines.join('\n') + '\n');
  return vmx;
}

/** What the guest sees: every byte of the disk through the chain. */
export function readGuest(file: string): Buffer {
  const d = openDisk(file, { readOnly: true });
  try {
    const b = Buffer.alloc(d.size);
    d.read(0, b);
    return b;
  } finally {
    d.close();
  }
}

export function writeGuest(file: string, offset: number, data: Uint8Array): void {
  const d = openDisk(file);
  try {
    d.write(offset, data);
    d.flush();
  } finally {
    d.close();
  }
}

/** The .vmx value of `key`, as the file says it. */
export function vmxValue(vmx: string, key: string): string | undefined {
  const m = new RegExp(`^${key.replace(/[.:]/g, '\\$&')}\\s*=\\s*"([^"]*)"`, 'mi').exec(fs.readFileSync(vmx, 'utf8'));
  return m?.[1];
}

/** Every entry under `dir` (recursive) → sha256 of its bytes, or its kind. */
export function folderDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const rel = path.relative(dir, p);
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) out[rel] = `symlink ${fs.readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = 'dir';
        walk(p);
      } else out[rel] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** `qemu-img check` on every .vmdk in `dir`; returns the files checked. */
export function qemuCheckAll(dir: string): string[] {
  const files = fs.readdirSync(dir).filter((f) => /\.vmdk$/i.test(f));
  for (const f of files) qemuImg('check', path.join(dir, f));
  return files;
}

/** A flat raw copy of what `file` shows the guest, made by qemu-img. */
export function qemuFlatCopy(file: string, out: string): string {
  qemuImg('convert', '-O', 'raw', file, out);
  return out;
}

export const qemuSame = (a: string, b: string) => /Images are identical/.test(qemuImg('compare', a, b));

/**
 * A VM as VMware Workstation leaves it after two snapshots: `Win.vmdk` (state of the first
 * snapshot), `Win-000001.vmdk` (the second's), `Win-000002.vmdk` (the present state, the
 * .vmx names it), `Win.vmsd` and the two `.vmsn` files. Deltas are made by qemu-img,
 * whose VMDK deltas follow VMware's layout. Returns the .vmx and each state's bytes.
 */
export function makeVmwareVm(dir: string, size = 4 * MiB): { vmx: string; states: { fresh: Buffer; updates: Buffer; present: Buffer } } {
  fs.mkdirSync(dir, { recursive: true });
  createSparseVmdk(path.join(dir, 'Win.vmdk'), size, { adapterType: 'lsilogic' });
  writeGuest(path.join(dir, 'Win.vmdk'), 0, pattern(256 * 1024, 1));
  qemuImg('create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicSparse', '-b', 'Win.vmdk', '-F', 'vmdk', path.join(dir, 'Win-000001.vmdk'));
  writeGuest(path.join(dir, 'Win-000001.vmdk'), 64 * 1024, pattern(64 * 1024, 2));
  qemuImg('create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicSparse', '-b', 'Win-000001.vmdk', '-F', 'vmdk', path.join(dir, 'Win-000002.vmdk'));
  writeGuest(path.join(dir, 'Win-000002.vmdk'), 512 * 1024, pattern(4096, 3));
  const vmx = makeVm(dir, 'Win', [{ node: 'scsi0:0', file: 'Win-000002.vmdk', size }]);
  // createTime: microseconds since 1970 in two signed 32-bit halves (ManageIQ
  // lib/metadata/VmConfig/vmxConfig.rb reads them so): 2022-11-28 10:01:05 UTC and a day later.
  const halves = (us: bigint) => [Number(BigInt.asIntN(32, us >> 32n)), Number(BigInt.asIntN(32, us & 0xffffffffn))];
  const [h1, l1] = halves(1669629665000000n);
  const [h2, l2] = halves(1669716065000000n);
  fs.writeFileSync(path.join(dir, 'Win.vmsd'), [
    '.encoding = "UTF-8"',
    'snapshot.lastUID = "2"',
    'snapshot.current = "2"',
    'snapshot0.uid = "1"',
    'snapshot0.filename = "Win-Snapshot1.vmsn"',
    'snapshot0.displayName = "Fresh install"',
    'snapshot0.description = "right after setup"',
    'snapshot0.type = "1"',
    `snapshot0.createTimeHigh = "${h1}"`,
    `snapshot0.createTimeLow = "${l1}"`,
    'snapshot0.numDisks = "1"',
    'snapshot0.disk0.fileName = "Win.vmdk"',
    'snapshot0.disk0.node = "scsi0:0"',
    'snapshot.numSnapshots = "2"',
    'snapshot1.uid = "2"',
    'snapshot1.filename = "Win-Snapshot2.vmsn"',
    'snapshot1.parent = "1"',
    'snapshot1.displayName = "Updates"',
    'snapshot1.type = "1"',
    `snapshot1.createTimeHigh = "${h2}"`,
    `snapshot1.createTimeLow = "${l2}"`,
    'snapshot1.numDisks = "1"',
    'snapshot1.disk0.fileName = "Win-000001.vmdk"',
    'snapshot1.disk0.node = "scsi0:0"',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'Win-Snapshot1.vmsn'), Buffer.concat([Buffer.from([0xd2, 0xbe, 0xd2, 0xbe]), pattern(4092, 9)]));
  fs.writeFileSync(path.join(dir, 'Win-Snapshot2.vmsn'), Buffer.concat([Buffer.from([0xd2, 0xbe, 0xd2, 0xbe]), pattern(4092, 10)]));
  return {
    vmx,
    states: { fresh: readGuest(path.join(dir, 'Win.vmdk')), updates: readGuest(path.join(dir, 'Win-000001.vmdk')), present: readGuest(path.join(dir, 'Win-000002.vmdk')) },
  };
}
