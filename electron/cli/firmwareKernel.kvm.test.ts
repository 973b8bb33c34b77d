// SeaBIOS loading a --kernel through fw_cfg as QEMU does: Vireo's own linuxboot option
// ROM (native/firmware) fetches setup, kernel and command line at INT 19h.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const IPXE = '/boot/ipxe.lkrn';
if (kvm && !fs.existsSync(IPXE)) throw new Error(`${IPXE} is missing: apt-get install ipxe`);

describe.runIf(kvm)('SeaBIOS + --kernel on KVM', () => {
  it('boots a project guest through the linuxboot option ROM', async () => {
    const r = await runCli(['run', '--firmware', 'seabios', '--kernel', path.join(GUESTS, 'hello.bin'), '--timeout', '120'], { timeoutMs: 150_000 });
    expect(r.stdout).toContain('SeaBIOS (version');
    expect(r.stdout).toContain('Booting from ROM');
    expect(r.stdout).toContain('PASS hello');
    expect(r.code).toBe(0);
  });

  // iPXE needs BIOS services (int 10h etc.), so it cannot boot directly; it decompresses
  // itself with every instruction emulated on this host (about 200 s under QEMU here).
  it('boots iPXE (ipxe.lkrn), which prints its banner', async () => {
    const r = await runCli(['run', '--firmware', 'seabios', '--kernel', IPXE, '--timeout', '900'], {
      until: /iPXE (initialising devices|\d+\.\d+)/,
      timeoutMs: 960_000,
    });
    expect(r.stdout).toMatch(/iPXE/);
    process.stderr.write(`iPXE banner after ${((r.matchedMs ?? 0) / 1000).toFixed(1)} s\n`);
  }, 1_000_000);
});
