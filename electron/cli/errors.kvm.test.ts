// Bad user input and host problems: one line naming the problem and the remedy, exit 2.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, ROOT, runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const hello = path.join(GUESTS, 'hello.bin');

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('CLI errors', () => {
  it('no /dev/kvm', async () => {
    const r = await runCli(['run', '--kernel', hello], { env: { VIREO_KVM_DEVICE: '/dev/nonexistent-kvm' } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/\/dev\/nonexistent-kvm does not exist: enable VT-x\/AMD-V .*modprobe kvm_intel/);
  });

  it.runIf(kvm)('permission denied names the kvm group', async () => {
    // Run as an unprivileged user: root would bypass the device's permissions.
    const r = await runCli(['run', '--kernel', hello], {
      command: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(ROOT, 'bin/vireo.js')],
    });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/permission denied opening \/dev\/kvm: add yourself to the kvm group/);
  });

  it.runIf(kvm)('a missing KVM capability is named, with the remedy', async () => {
    // An LD_PRELOAD shim makes KVM_CHECK_EXTENSION(KVM_CAP_IRQCHIP) answer 0 in the VM host.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-cap-'));
    const src = path.join(dir, 'nocap.c');
    fs.writeFileSync(
      src,
      `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <linux/kvm.h>
int ioctl(int fd, unsigned long req, ...) {
  va_list ap; va_start(ap, req); void *arg = va_arg(ap, void *); va_end(ap);
  static int (*real)(int, unsigned long, ...);
  if (!real) real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  if (req == KVM_CHECK_EXTENSION && (long)arg == KVM_CAP_IRQCHIP) return 0;
  return real(fd, req, arg);
}
`,
    );
    const so = path.join(dir, 'nocap.so');
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', so, src, '-ldl']);
    const r = await runCli(['run', '--kernel', hello], { env: { LD_PRELOAD: so } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("vireo: this host's KVM lacks KVM_CAP_IRQCHIP: update the host kernel");
  });

  // The VM host checks images after it has opened /dev/kvm, so without KVM the first line
  // is the "no /dev/kvm" one (covered above).
  it.runIf(kvm)('missing, unreadable and malformed images', async () => {
    const missing = await runCli(['run', '--kernel', '/nonexistent/bzImage']);
    expect(missing.code).toBe(2);
    expect(oneLine(missing.stderr)).toContain('cannot read kernel /nonexistent/bzImage: No such file or directory');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-'));
    const junk = path.join(dir, 'junk');
    fs.writeFileSync(junk, Buffer.alloc(4096, 0x41));
    const bad = await runCli(['run', '--kernel', junk]);
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toContain('is not a bzImage (no "HdrS" signature at 0x202)');
    const badInitrd = await runCli(['run', '--kernel', hello, '--initrd', path.join(dir, 'none')]);
    expect(oneLine(badInitrd.stderr)).toContain('cannot read initrd');
    const badBios = await runCli(['run', '--firmware', junk]);
    expect(badBios.code).toBe(2);
    expect(oneLine(badBios.stderr)).toContain('is not a BIOS image');
  });

  it('more memory or vCPUs than allowed', async () => {
    const mem = await runCli(['run', '--kernel', hello, '--memory', '100000G']);
    expect(mem.code).toBe(2);
    expect(oneLine(mem.stderr)).toMatch(/is more than this host has .*use a smaller --memory/);
    const cpus = await runCli(['run', '--kernel', hello, '--cpus', '9']);
    expect(cpus.code).toBe(2);
    expect(oneLine(cpus.stderr)).toBe('vireo: --cpus 9 is out of range: use 1 to 8');
  });
});
