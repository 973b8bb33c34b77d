import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockedError, acquireLock, lockPathFor, readOwner } from './lock';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-lock-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeLock(file: string, owner: object): void {
  fs.mkdirSync(lockPathFor(file));
  fs.writeFileSync(path.join(lockPathFor(file), 'vireo.lck'), JSON.stringify(owner));
}

/** A pid that existed and has exited (reaped), so kill(pid, 0) gives ESRCH. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('acquireLock', () => {
  it('creates vm.vmx.lck with our pid/host/time and removes it on release', () => {
    const vmx = path.join(dir, 'a.vmx');
    const lock = acquireLock(vmx);
    expect(lock.lockPath).toBe(`${vmx}.lck`);
    expect(readOwner(lock.lockPath)).toEqual({ pid: process.pid, host: os.hostname(), created: lock.owner.created });
    expect(() => acquireLock(vmx)).toThrow(/in use by this process/);
    lock.release();
    lock.release(); // idempotent
    expect(fs.existsSync(lock.lockPath)).toBe(false);
    acquireLock(vmx).release();
  });

  it('refuses a lock held by another live process on this host, naming it', async () => {
    const vmx = path.join(dir, 'b.vmx');
    const child = spawn('sleep', ['30']);
    try {
      fakeLock(vmx, { pid: child.pid, host: os.hostname(), created: '2026-01-01T00:00:00.000Z' });
      let err: unknown;
      try {
        acquireLock(vmx);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LockedError);
      expect((err as LockedError).code).toBe('locked');
      expect((err as LockedError).owner?.pid).toBe(child.pid);
      expect((err as LockedError).message).toContain(`in use by running process ${child.pid}`);
      expect(fs.existsSync(lockPathFor(vmx))).toBe(true);
    } finally {
      child.kill();
    }
  });

  it('breaks a stale lock whose pid is gone', () => {
    const vmx = path.join(dir, 'c.vmx');
    fakeLock(vmx, { pid: deadPid(), host: os.hostname(), created: '2026-01-01T00:00:00.000Z' });
    const lock = acquireLock(vmx);
    expect(readOwner(lock.lockPath)?.pid).toBe(process.pid);
    expect(fs.readdirSync(dir).filter((f) => f.includes('stale'))).toEqual([]);
    lock.release();
  });

  it('does not break a lock from another host or a VMware lock', () => {
    const vmx = path.join(dir, 'd.vmx');
    fakeLock(vmx, { pid: deadPid(), host: 'elsewhere', created: '2026-01-01T00:00:00.000Z' });
    expect(() => acquireLock(vmx)).toThrow(/on host elsewhere/);
    const vmdk = path.join(dir, 'disk.vmdk');
    fs.mkdirSync(lockPathFor(vmdk));
    fs.writeFileSync(path.join(lockPathFor(vmdk), 'M12345.lck'), 'vmware');
    expect(() => acquireLock(vmdk)).toThrow(/another program \(VMware\?\): M12345\.lck/);
    const other = path.join(dir, 'f.vmx');
    fs.writeFileSync(lockPathFor(other), 'pid 1');
    expect(() => acquireLock(other)).toThrow(/a lock file \(not our directory form\) exists/);
  });

  it('treats a fresh directory without an owner record as being created, an old one as stale', () => {
    const vmx = path.join(dir, 'e.vmx');
    fs.mkdirSync(lockPathFor(vmx));
    expect(() => acquireLock(vmx)).toThrow(/being created/);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockPathFor(vmx), old, old);
    acquireLock(vmx).release();
  });
});

describe('a crafted lock directory', () => {
  // A VM folder from elsewhere may ship vm.vmx.lck/vireo.lck as a FIFO or a link to
  // /dev/zero: reading the owner record must neither hang nor read forever.
  it.each([
    ['a FIFO', (p: string) => spawnSync('mkfifo', [p])],
    ['a symlink to /dev/zero', (p: string) => fs.symlinkSync('/dev/zero', p)],
  ])('an owner record that is %s reads as no record, at once', (_w, make) => {
    const vmx = path.join(dir, `crafted-${Math.random().toString(36).slice(2)}.vmx`);
    fs.mkdirSync(lockPathFor(vmx));
    make(path.join(lockPathFor(vmx), 'vireo.lck'));
    const t0 = Date.now();
    expect(readOwner(lockPathFor(vmx))).toBeNull();
    expect(() => acquireLock(vmx)).toThrow(LockedError); // not ours to break: it is not our record
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
