// The VM host's own check (issue 9, hole 3): whatever the client sends, a VM's disks must
// be in its VM folder unless the user allowed that very file; a refused file is neither
// opened nor locked. Unit test of this layer (no native VM: DiskSet only opens images).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { DiskError } from '../vmfiles/vmdk/index';
import { DiskSet } from './diskSet';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-diskset-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const vmDir = path.join(tmp, 'vm');
fs.mkdirSync(vmDir);
const vmx = path.join(vmDir, 'vm.vmx');
fs.writeFileSync(vmx, 'memsize = "64"\n');
const inside = path.join(vmDir, 'inside.img');
fs.writeFileSync(inside, Buffer.alloc(65536, 1));
const outside = path.join(tmp, 'outside.img');
fs.writeFileSync(outside, Buffer.alloc(65536, 2));
fs.symlinkSync(outside, path.join(vmDir, 'link.img'));

function refused(fn: () => unknown): DiskError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DiskError);
    return e as DiskError;
  }
  throw new Error('expected a refusal');
}

describe('DiskSet confinement', () => {
  it.each([
    ['absolute', outside],
    ['../', path.join(vmDir, '../outside.img')],
    ['symlink', path.join(vmDir, 'link.img')],
  ])('a %s disk outside the VM folder is refused and not locked', (_w, p) => {
    const e = refused(() => new DiskSet([{ path: p, kind: 'disk' }], { vmxPath: vmx }));
    expect(e.code).toBe('forbidden-path');
    expect(e.message).toMatch(/is outside the VM folder .* was not allowed for this VM/);
    expect(fs.existsSync(`${p}.lck`)).toBe(false);
    expect(fs.existsSync(`${outside}.lck`)).toBe(false);
  });

  it('the allowed real path opens; the allowance is for that file only', () => {
    const set = new DiskSet([{ path: path.join(vmDir, 'link.img'), kind: 'disk' }, { path: inside, kind: 'cdrom' }], { vmxPath: vmx, externalDisks: [outside] });
    expect(set.nativeConfig().map((d) => d.sizeBytes)).toEqual([65536, 65536]);
    set.close();
    const other = path.join(tmp, 'other.img');
    fs.writeFileSync(other, Buffer.alloc(512));
    expect(refused(() => new DiskSet([{ path: other, kind: 'disk' }], { vmxPath: vmx, externalDisks: [outside] })).code).toBe('forbidden-path');
  });

  it('without a .vmx (vireo run --disk FILE) the user named the file: it opens', () => {
    const set = new DiskSet([{ path: outside, kind: 'disk', readOnly: true }]);
    set.close();
  });

  it('a device is refused even when allowed', () => {
    expect(refused(() => new DiskSet([{ path: '/dev/null', kind: 'disk' }], { vmxPath: vmx, externalDisks: ['/dev/null'] })).code).toBe('unsupported');
    expect(fs.existsSync('/dev/null.lck')).toBe(false);
  });
});
