// New delta disks for take and revert, named as VMware Workstation names them: beside the
// parent, `NAME-000001.vmdk`, NAME being the parent's name without its own `-NNNNNN`
// (the lowest number no file uses). Each is written under a temporary name first and
// published with link(2), which never replaces a file; until the .vmx names it, nothing
// refers to it.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '../atomicWrite';
import { createDeltaVmdk, quotableName } from '../vmdk/index';
import type { Chain } from './diskChain';
import { SnapshotError } from './snapshotError';

const DEFAULT_GRAIN = 128;
const MAX_DELTA_NUMBER = 999999;

export interface PreparedDelta {
  /** Where it is written now. */
  tmp: string;
  /** Its name once published. */
  final: string;
  cid: number;
  published: boolean;
}

/** `dir/NAME-NNNNNN.vmdk` for parent file `parentReal`, skipping files that exist and `taken`. */
export function nextDeltaPath(parentReal: string, taken: Set<string>): string {
  const dir = path.dirname(parentReal);
  const stem = path.basename(parentReal).replace(/\.vmdk$/i, '').replace(/-\d{6}$/, '');
  for (let n = 1; n <= MAX_DELTA_NUMBER; n++) {
    const candidate = path.join(dir, `${stem}-${String(n).padStart(6, '0')}.vmdk`);
    if (taken.has(candidate) || fs.existsSync(candidate) || fs.existsSync(`${candidate}.lck`)) continue;
    taken.add(candidate);
    return candidate;
  }
  throw new SnapshotError('unsupported', dir, `every delta name ${stem}-000001.vmdk … -${MAX_DELTA_NUMBER}.vmdk is taken: delete snapshots first`);
}

/** Writes the delta of `parent` (top layer first in `parent.layers`) under a temporary name. */
export function prepareDelta(parent: Chain, final: string): PreparedDelta {
  const top = parent.layers[0];
  const hint = path.relative(path.dirname(final), top.real).split(path.sep).join('/');
  if (!quotableName(path.basename(final)) || !quotableName(hint)) {
    throw new SnapshotError('unsupported', top.real, `the name ${JSON.stringify(path.basename(top.real))} cannot be written into a VMDK descriptor (quotes or control characters): rename the disk`);
  }
  if (parent.format !== 'vmdk' || top.cid === undefined) {
    throw new SnapshotError('unsupported', top.real, 'is not a VMDK (raw image): snapshots need VMDK disks; convert it with qemu-img convert -O vmdk');
  }
  const tmp = path.join(path.dirname(final), `.${path.basename(final)}.${randomBytes(4).toString('hex')}.tmp`);
  const cid = createDeltaVmdk(tmp, {
    parentCid: top.cid,
    parentFileNameHint: hint,
    capacitySectors: Math.ceil(parent.sizeBytes / 512),
    grainSectors: parent.grainSectors ?? DEFAULT_GRAIN,
    extentFileName: path.basename(final),
    ddb: parent.ddb,
  });
  return { tmp, final, cid, published: false };
}

/** Gives the delta its final name; refuses (leaving everything) when that name exists. */
export function publishDelta(d: PreparedDelta): void {
  try {
    fs.linkSync(d.tmp, d.final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new SnapshotError('io', d.final, 'appeared while the snapshot was being made: another program is writing the VM folder; retry');
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // Filesystems without hard links (FAT, some FUSE): check, then rename.
    if (fs.existsSync(d.final)) throw new SnapshotError('io', d.final, 'appeared while the snapshot was being made: another program is writing the VM folder; retry');
    fs.renameSync(d.tmp, d.final);
    d.published = true;
    fsyncDir(path.dirname(d.final));
    return;
  }
  d.published = true;
  fs.rmSync(d.tmp, { force: true });
  fsyncDir(path.dirname(d.final));
}

/** Undoes prepare/publish (on failure before anything names the delta). */
export function discardDelta(d: PreparedDelta): void {
  fs.rmSync(d.tmp, { force: true });
  if (d.published) fs.rmSync(d.final, { force: true });
}
