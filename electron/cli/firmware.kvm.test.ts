// Third-party firmware from Debian packages, asserted from the serial console.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const SEABIOS = '/usr/share/seabios/bios-256k.bin';
if (!fs.existsSync(SEABIOS)) throw new Error(`${SEABIOS} is missing: apt-get install seabios`);

describe.runIf(kvm)('SeaBIOS on KVM', () => {
  it('prints its version banner on COM1 through sercon (about 3 s under QEMU here)', async () => {
    const r = await runCli(['run', '--firmware', 'seabios', '--timeout', '90'], { until: /SeaBIOS \(version [^)]+\)/, timeoutMs: 120_000 });
    expect(r.stdout).toMatch(/SeaBIOS \(version 1\.\d+\.\d+[^)]*\)/);
    process.stderr.write(`SeaBIOS banner after ${r.matchedMs} ms\n`);
  });

  it('with no bootable device says so and halts instead of rebooting (etc/boot-fail-wait)', async () => {
    // SeaBIOS prints "Retrying in N seconds." after this line unless boot-fail-wait = -1;
    // --timeout stops the halted VM.
    const r = await runCli(['run', '--firmware', 'seabios', '--timeout', '25'], { timeoutMs: 150_000 });
    expect(r.stdout).toContain('No bootable device.');
    expect(r.stdout).not.toContain('Retrying in');
    expect(r.code).toBe(103);
  });
});
