// Project test guests on real KVM through the real CLI: serial text and exit status.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const guest = (name: string) => path.join(GUESTS, `${name}.bin`);

describe.runIf(kvm)('project guests on KVM', () => {
  it('serial hello: prints and powers off with code 0', async () => {
    const r = await runCli(['run', '--kernel', guest('hello')]);
    expect(r.stdout).toContain('Hello from Vireo guest');
    expect(r.stdout).toContain('PASS hello');
    expect(r.code).toBe(0);
  });

  it('SMP: the guest finds and starts every vCPU through the MP table (1, 2, 4, 8)', async () => {
    for (const n of [1, 2, 4, 8]) {
      const r = await runCli(['run', '--kernel', guest('smp'), '--cpus', String(n)], { timeoutMs: 120_000 });
      expect(r.stdout).toContain(`smp: ${n} of ${n} cpus running`);
      expect(r.code).toBe(0);
    }
  });

  it('PIT and LAPIC timer interrupts arrive', async () => {
    const r = await runCli(['run', '--kernel', guest('timer')]);
    expect(r.stdout).toContain('PASS timer');
    expect(r.code).toBe(0);
  });

  it('i8042 reset reboots the guest (RAM kept), and ends the run with --no-reboot', async () => {
    const r = await runCli(['run', '--kernel', guest('reset')]);
    expect(r.stdout).toContain('reset: boot 1');
    expect(r.stdout).toContain('reset: boot 2');
    expect(r.stdout).not.toContain('FAIL');
    expect(r.code).toBe(0);
    const n = await runCli(['run', '--kernel', guest('reset'), '--no-reboot']);
    expect(n.stdout).toContain('reset: boot 1');
    expect(n.stdout).not.toContain('reset: boot 2');
    expect(n.code).toBe(100);
  });

  it('exit storm: 100000 port and MMIO exits are counted per reason and per port', async () => {
    const r = await runCli(['run', '--kernel', guest('exit_storm'), '--stats'], { timeoutMs: 120_000 });
    expect(r.stdout).toContain('PASS exit_storm');
    expect(r.code).toBe(0);
    const count = (re: RegExp) => Number(re.exec(r.stderr)?.[1] ?? -1);
    expect(count(/post-code\s+0x80\s+(\d+)/)).toBe(80000);
    expect(count(/mmio-read\s+(\d+)/)).toBe(20000);
    expect(count(/io-out\s+(\d+)/)).toBeGreaterThanOrEqual(60000);
  });

  it('guest RAM above 4 GiB: a 5 GiB guest boots (RAM split at 3 GiB around the PCI hole)', async () => {
    const r = await runCli(['run', '--kernel', guest('hello'), '--memory', '5G']);
    expect(r.stdout).toContain('PASS hello');
    expect(r.code).toBe(0);
  });

  it('a guest triple fault stops that VM with a register dump; the host carries on', async () => {
    const r = await runCli(['run', '--kernel', guest('triple_fault')]);
    expect(r.stdout).toContain('triple_fault: loading an empty IDT');
    expect(r.stdout).not.toContain('FAIL');
    expect(r.code).toBe(101);
    expect(r.stderr).toContain('the guest stopped: triple-fault');
    expect(r.stderr).toMatch(/triple fault on vcpu0\n\s+rip [0-9a-f]{16} rflags/);
    expect(r.stderr).toMatch(/cs 0010 base 0 dpl 0/);
  });

  it('--stats prints exit counts per vCPU and the busiest ports', async () => {
    const r = await runCli(['run', '--kernel', guest('hello'), '--stats']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/vcpu0: \d+ exits/);
    expect(r.stderr).toMatch(/io-out\s+\d+/);
    expect(r.stderr).toMatch(/com1\s+0x3f8\s+\d+/);
  });
});
