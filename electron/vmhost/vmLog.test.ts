import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { VmLog } from './vmLog';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function folder(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-vmlog-'));
  dirs.push(d);
  return d;
}
const now = () => new Date('2026-12-03T19:30:00.123Z');
const read = (d: string, f: string) => fs.readFileSync(path.join(d, f), 'utf8');

describe('vmware.log', () => {
  it('rotates at every power on as Workstation does: vmware.log, vmware-0.log … vmware-2.log', () => {
    const d = folder();
    for (let run = 1; run <= 5; run++) {
      const log = new VmLog(d, { now });
      log.write('vmx', `power on ${run}`);
      log.close();
    }
    expect(fs.readdirSync(d).sort()).toEqual(['vmware-0.log', 'vmware-1.log', 'vmware-2.log', 'vmware.log']);
    expect(read(d, 'vmware.log')).toBe('2026-12-03T19:30:00.123Z In(05) vmx - power on 5\n');
    expect(read(d, 'vmware-0.log')).toContain('power on 4');
    expect(read(d, 'vmware-2.log')).toContain('power on 2');
  });

  it('logs host events and guest lines, escaping control characters and cutting long lines', () => {
    const d = folder();
    const log = new VmLog(d, { now });
    log.event({ kind: 'state', v: 1, state: 'stopped', reason: 'poweroff', code: 0 });
    log.event({ kind: 'tools', v: 1, info: { state: 'running', version: '12.2.0', osName: 'Debian', ipAddresses: [] } });
    log.event({ kind: 'error', v: 1, error: { code: 'io', message: 'disk gone' } });
    log.guest('toolbox: Version: 12.2.0\u001b[2J\u0007');
    log.guest('x'.repeat(10000));
    log.close();
    const lines = read(d, 'vmware.log').split('\n');
    expect(lines[0]).toBe('2026-12-03T19:30:00.123Z In(05) vmx - VM state: stopped (poweroff 0)');
    expect(lines[1]).toBe('2026-12-03T19:30:00.123Z In(05) vmx - Tools: running version 12.2.0, guest OS Debian');
    expect(lines[2]).toBe('2026-12-03T19:30:00.123Z In(05) vmx - Error (io): disk gone');
    expect(lines[3]).toBe('2026-12-03T19:30:00.123Z In(05) vcpu-0 - Guest: toolbox: Version: 12.2.0\\x1b[2J\\x07');
    expect(lines[4].length).toBeLessThan(4200);
    // The app's VM details get the last lines, as written.
    expect(log.tail()).toEqual(lines.slice(0, 5));
    expect(log.path).toBe(path.join(d, 'vmware.log'));
  });

  it('bounds what a guest can write: the log rotates at rotateSize', () => {
    const d = folder();
    const log = new VmLog(d, { now, keepOld: 2, rotateSize: 20000 });
    for (let i = 0; i < 100; i++) log.guest(`${i} ${'y'.repeat(1000)}`);
    log.close();
    expect(fs.readdirSync(d).sort()).toEqual(['vmware-0.log', 'vmware-1.log', 'vmware.log']);
    for (const f of fs.readdirSync(d)) expect(fs.statSync(path.join(d, f)).size).toBeLessThanOrEqual(20000);
    expect(read(d, 'vmware.log')).toContain(' 99 ');
  });

  it('never writes through a planted vmware.log symlink', () => {
    const d = folder();
    const target = path.join(d, 'elsewhere');
    fs.writeFileSync(target, 'keep');
    fs.symlinkSync(target, path.join(d, 'vmware-0.log'));
    new VmLog(d, { now, keepOld: 1 }).close();
    expect(read(d, 'elsewhere')).toBe('keep');
  });
});
