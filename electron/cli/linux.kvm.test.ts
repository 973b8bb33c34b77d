// A Debian kernel under `vireo run`, asserted from its serial log. On a host whose KVM
// emulates every instruction (kvm_pvm) the kernel gets through early boot only, so the
// full boot to a shell runs where Linux boots at a practical speed and is skipped by name
// here.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { debianKernel, hostEmulatesEveryInstruction } from '../testing/debianKernel';
import { kvmAvailable, skipReason } from '../testing/kvmGate';
import { runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const kernel = debianKernel();
if (kvm && !kernel) throw new Error('no /boot/vmlinuz-*-cloud-amd64: apt-get install linux-image-cloud-amd64');
const slowHost = hostEmulatesEveryInstruction();

describe.runIf(kvm)('Linux on Vireo', () => {
  // One boot serves both the VMM core check and the backdoor check: the kernel's own
  // VMware platform code (arch/x86/kernel/cpu/vmware.c) is a real backdoor client.
  it('a Debian kernel prints its version, detects VMware and reads TSC and bus clock through the backdoor', async () => {
    const r = await runCli(['run', '--kernel', kernel!, '--append', 'earlyprintk=serial console=ttyS0', '--memory', '512M', '--timeout', '900'], {
      until: /tsc: Detected [\d.]+ MHz processor/,
      timeoutMs: 960_000,
    });
    expect(r.stdout).toMatch(/Linux version \d+\.\d+/);
    expect(r.stdout).toContain('Hypervisor detected: VMware');
    expect(r.stdout).toMatch(/vmware: hypercall mode: 0x00/); // CPUID 0x40000010 ECX: port I/O, no vmcall
    const tsc = /vmware: TSC freq read from hypervisor : ([\d.]+) MHz/.exec(r.stdout)?.[1];
    expect(tsc).toBeDefined();
    // Vireo answers GETHZ with KVM's TSC frequency and a 1 GHz LAPIC bus (KVM's 1 ns tick).
    expect(r.stdout).toContain('vmware: Host bus clock speed read from hypervisor : 1000000000 Hz');
    expect(r.stdout).toContain(`tsc: Detected ${tsc} MHz processor`);
    process.stderr.write(`Linux: "tsc: Detected" after ${((r.matchedMs ?? 0) / 1000).toFixed(1)} s (TSC ${tsc} MHz from GETHZ)\n`);
  }, 1_000_000);

  it.runIf(!slowHost)('full boot with a busybox initramfs reaches a shell prompt', async () => {
    const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
    if (!busybox) throw new Error('busybox is missing: apt-get install busybox-static');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-initramfs-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(busybox, path.join(dir, 'bin/busybox'));
    fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
    fs.symlinkSync('busybox', path.join(dir, 'bin/sh'));
    fs.writeFileSync(path.join(dir, 'init'), '#!/bin/busybox sh\n/bin/busybox echo vireo-shell-ready\nexec /bin/busybox sh\n', { mode: 0o755 });
    const cpio = path.join(os.tmpdir(), `vireo-initramfs-${process.pid}.cpio`);
    execFileSync('sh', ['-c', `cd ${dir} && find . | cpio -o -H newc > ${cpio}`]);
    const r = await runCli(['run', '--kernel', kernel!, '--initrd', cpio, '--append', 'console=ttyS0 panic=-1', '--memory', '512M', '--timeout', '300'], {
      until: /vireo-shell-ready/,
      timeoutMs: 320_000,
    });
    expect(r.stdout).toContain('vireo-shell-ready');
  }, 400_000);
});

if (slowHost) {
  skipReason(
    'Linux on Vireo > full boot with a busybox initramfs reaches a shell prompt',
    "this host's KVM is kvm_pvm, which emulates every guest instruction: a Debian kernel needs minutes per boot stage here; run it on a host with VT-x/AMD-V",
  );
}
