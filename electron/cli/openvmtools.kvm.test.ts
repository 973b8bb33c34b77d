// Unmodified open-vm-tools in a Linux guest against the real VM host: a Debian kernel
// boots a busybox initramfs that holds Debian's vmware-checkvm, vmware-rpctool and
// vmtoolsd (with the powerOps and timeSync plugins). The init script probes the backdoor,
// sets and reads guestinfo, and starts vmtoolsd; the test then asks for a soft shutdown
// through the VM host API (TCLO OS_Halt -> tools.os.statechange.status -> the guest's
// /sbin/shutdown, which powers off through the debug-exit port 0xf4: Vireo has no ACPI,
// and the Debian cloud kernel has no /dev/port, so a static helper does the `outb`).
//
// The VM host is started directly (electron/app/childHost.ts, as the CLI starts it)
// because tools state and soft power are host-API features the CLI does not
// surface. The host API has no guestinfo read: the guest reads back its own key and a
// key the host preset through VmConfig.guestInfo.
//
// Needs: Linux at a practical speed (not kvm_pvm), apt-get access to Debian (open-vm-tools
// and busybox-static are downloaded, not installed), cpio, gcc, and the open-vm-tools
// runtime libraries on this host (ldd resolves them; missing ones fail with the remedy).
// With kvm.enable_vmware_backdoor=N KVM leaves a ring-3 `in` on the backdoor port to the
// guest's #GP handler, so the tools run under the same helper (`vireo-io exec`), which
// grants them ports 0x5658-0x565b with ioperm(2) and execs them (the grant survives execve).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { startChildHost } from '../app/childHost';
import type { GuestToolsInfo, HostEvent, HostRequest, VmConfig } from '../common/protocol';
import { debianKernel, hostEmulatesEveryInstruction } from '../testing/debianKernel';
import { kvmAvailable, skipReason } from '../testing/kvmGate';
import { VMHOST_MAIN } from '../testing/vmHostClient';

const TEST_NAME = 'open-vm-tools in a Linux guest > vmware-checkvm, vmware-rpctool and vmtoolsd work and a soft shutdown powers the VM off';
const kvm = kvmAvailable();
const slowHost = hostEmulatesEveryInstruction();
const kernel = debianKernel();
if (kvm && !slowHost && !kernel) throw new Error('no /boot/vmlinuz-*-cloud-amd64: apt-get install linux-image-cloud-amd64');

const BACKDOOR_PARAM = '/sys/module/kvm/parameters/enable_vmware_backdoor';
const PLUGINS = 'usr/lib/x86_64-linux-gnu/open-vm-tools/plugins/vmsvc';
const HOST_KEY = 'guestinfo.fromhost';
const HOST_VALUE = 'vireo-host-value';

/**
 * vireo-io, a static x86-64 helper without libc (raw syscalls):
 *   vireo-io exec PROG ARGS...  ioperm(0x5658, 4, 1), then execve(PROG, ARGS...)
 *   vireo-io poweroff           ioperm(0xf4, 1, 1), then `outb 0, 0xf4` (debug exit)
 */
const VIREO_IO_C = `
static long sys3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
static int same(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}
enum { SYS_EXECVE = 59, SYS_EXIT = 60, SYS_IOPERM = 173 };
void start_c(long *sp) {
  long argc = sp[0];
  char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
  if (argc == 2 && same(argv[1], "poweroff")) {
    if (sys3(SYS_IOPERM, 0xf4, 1, 1) == 0) __asm__ volatile("outb %%al, %%dx" : : "a"(0), "d"(0xf4));
    sys3(SYS_EXIT, 113, 0, 0);
  }
  /* 4 ports: a 4-byte in on 0x5658 checks the bits of 0x5658..0x565b (SDM vol. 1 19.5.2) */
  if (argc < 3 || !same(argv[1], "exec") || sys3(SYS_IOPERM, 0x5658, 4, 1) < 0) sys3(SYS_EXIT, 111, 0, 0);
  sys3(SYS_EXECVE, (long)argv[2], (long)(argv + 2), (long)envp);
  sys3(SYS_EXIT, 112, 0, 0);
}
__asm__(".globl _start\\n_start:\\n mov %rsp, %rdi\\n and $-16, %rsp\\n call start_c\\n hlt\\n");
`;

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Copies `from` to root/`at`, creating directories; follows symlinks. */
function install(root: string, from: string, at: string, mode = 0o755): void {
  const dest = path.join(root, at);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(fs.realpathSync(from), dest);
  fs.chmodSync(dest, mode);
}

/** Shared libraries of the ELF files, as `ldd` resolves them (extracted package first). */
function sharedLibraries(files: string[], libPath: string): Map<string, string> {
  const libs = new Map<string, string>();
  const missing: string[] = [];
  for (const f of files) {
    const out = execFileSync('ldd', [f], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: libPath } });
    for (const line of out.split('\n')) {
      const notFound = /^\s*(\S+) => not found/.exec(line);
      if (notFound) missing.push(`${notFound[1]} (for ${path.basename(f)})`);
      // "libx.so.1 => /path/libx.so.1 (0x...)", or the loader: "/lib64/ld-linux-x86-64.so.2 (0x...)"
      const m = /(?:=>\s*)?(\/\S+) \(0x/.exec(line);
      if (m) libs.set(/^\s*(\S+) =>/.exec(line)?.[1] ?? m[1], m[1]);
    }
  }
  if (missing.length) {
    throw new Error(
      `open-vm-tools needs libraries this host lacks: ${missing.join(', ')}; ` +
        'install its dependencies: apt-get install --no-install-recommends $(apt-cache depends open-vm-tools | sed -n "s/^ *Depends: \\(lib.*\\)/\\1/p")',
    );
  }
  return libs;
}

interface Initramfs {
  cpio: string;
  wrapped: boolean;
}

/** Busybox + open-vm-tools + their libraries + /init, as a newc cpio archive. */
function buildInitramfs(work: string): Initramfs {
  const pkg = path.join(work, 'pkg');
  fs.mkdirSync(pkg);
  // busybox-static, not the host's busybox: Debian's `busybox` package is dynamically linked.
  sh('apt-get', ['download', 'open-vm-tools', 'busybox-static'], work);
  for (const deb of fs.readdirSync(work).filter((f) => f.endsWith('.deb'))) sh('dpkg-deb', ['-x', path.join(work, deb), pkg]);
  const busybox = path.join(pkg, 'bin/busybox');

  const root = path.join(work, 'root');
  for (const d of ['bin', 'sbin', 'usr/bin', 'proc', 'sys', 'dev', 'tmp', 'run', 'var/run', 'var/log', 'etc/vmware-tools'])
    fs.mkdirSync(path.join(root, d), { recursive: true });
  install(root, busybox, 'bin/busybox');
  const tools = ['vmtoolsd', 'vmware-checkvm', 'vmware-rpctool'].map((t) => path.join(pkg, 'usr/bin', t));
  const plugins = ['libpowerOps.so', 'libtimeSync.so'].map((p) => path.join(pkg, PLUGINS, p));
  for (const t of tools) install(root, t, path.join('usr/bin', path.basename(t)));
  for (const p of plugins) install(root, p, path.join(PLUGINS, path.basename(p)));
  const pkgLib = path.join(pkg, 'usr/lib/x86_64-linux-gnu');
  for (const [soname, file] of sharedLibraries([...tools, ...plugins], pkgLib)) {
    // The loader keeps its absolute path (/lib64/ld-linux-x86-64.so.2); libraries go
    // where the loader's built-in multiarch path finds them.
    install(root, file, soname.startsWith('/') ? soname : path.join('usr/lib/x86_64-linux-gnu', soname));
  }

  const param = fs.existsSync(BACKDOOR_PARAM) ? fs.readFileSync(BACKDOOR_PARAM, 'utf8').trim() : 'N';
  const wrapped = param !== 'Y' && param !== '1';
  fs.writeFileSync(path.join(work, 'vireo-io.c'), VIREO_IO_C);
  sh('gcc', ['-O2', '-static', '-nostdlib', '-fno-stack-protector', '-fno-pie', '-no-pie', '-o', path.join(root, 'bin/vireo-io'), path.join(work, 'vireo-io.c')]);
  const run = wrapped ? '/bin/vireo-io exec ' : '';

  // vmtoolsd logs to its stdout (the console); the power-off script and /sbin/shutdown,
  // run by vmtoolsd, write their markers to /dev/console themselves.
  // glib looks root up (getpwuid_r) when vmtoolsd starts.
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
  fs.writeFileSync(path.join(root, 'etc/vmware-tools/tools.conf'), '[logging]\nlog = true\nvmsvc.level = message\nvmsvc.handler = std\n');
  fs.writeFileSync(path.join(root, 'etc/vmware-tools/poweroff-vm-default'), '#!/bin/sh\necho ovt-poweroff-script > /dev/console\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(root, 'sbin/shutdown'),
    '#!/bin/sh\necho "ovt-shutdown $*" > /dev/console\nsync\n' +
      '/bin/vireo-io poweroff\n' + // debug-exit port 0xf4: power-off with code 0
      'echo ovt-shutdown-failed > /dev/console\n',
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(root, 'init'),
    [
      '#!/bin/busybox sh',
      '/bin/busybox --install -s /bin',
      'export PATH=/bin:/sbin:/usr/bin',
      'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp',
      `echo "ovt-init backdoor-wrapper=${wrapped ? 'ioperm' : 'none'}"`,
      `${run}/usr/bin/vmware-checkvm; echo "ovt-checkvm-rc=$?"`,
      `${run}/usr/bin/vmware-rpctool "info-set guestinfo.x y"; echo "ovt-info-set-rc=$?"`,
      `echo "ovt-info-get=$(${run}/usr/bin/vmware-rpctool "info-get guestinfo.x")"`,
      `echo "ovt-from-host=$(${run}/usr/bin/vmware-rpctool "info-get ${HOST_KEY}")"`,
      `${run}/usr/bin/vmtoolsd -n vmsvc &`,
      'echo "ovt-vmtoolsd-started pid $!"',
      'while true; do sleep 60; done',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const cpio = path.join(work, 'initramfs.cpio');
  execFileSync('sh', ['-c', `cd "${root}" && find . | cpio -o -H newc --quiet > "${cpio}"`]);
  return { cpio, wrapped };
}

interface HostRun {
  serial: string;
  tools: GuestToolsInfo[];
  stopped?: Extract<HostEvent, { kind: 'state' }>;
  errors: string[];
}

/** Starts the VM host, boots, waits for vmtoolsd to report in, asks for a soft shutdown. */
function runHost(config: VmConfig, timeoutMs: number): Promise<HostRun> {
  const host = startChildHost({ module: VMHOST_MAIN });
  const send = (r: HostRequest) => host.send(r);
  const run: HostRun = { serial: '', tools: [], errors: [] };
  let askedShutdown = false;
  return new Promise((resolve) => {
    const timer = setTimeout(() => send({ kind: 'power', v: 1, op: 'stop' }), timeoutMs);
    const maybeShutdown = () => {
      const running = run.tools.some((t) => t.state === 'running' && t.version);
      if (askedShutdown || !running || !run.serial.includes('ovt-vmtoolsd-started')) return;
      askedShutdown = true;
      send({ kind: 'power', v: 1, op: 'soft-shutdown' });
    };
    host.onEvent((e) => {
      switch (e.kind) {
        case 'hello':
          send({ kind: 'start', v: 1, config });
          return;
        case 'serial-out':
          run.serial += Buffer.from(e.data).toString('latin1');
          maybeShutdown();
          return;
        case 'tools':
          run.tools.push(e.info);
          maybeShutdown();
          return;
        case 'error':
          run.errors.push(e.error.message);
          return;
        case 'state':
          if (e.state === 'stopped') run.stopped = e;
          return;
        default:
          return;
      }
    });
    host.onExit(() => {
      clearTimeout(timer);
      resolve(run);
    });
  });
}

describe.runIf(kvm)('open-vm-tools in a Linux guest', () => {
  it.runIf(!slowHost)(TEST_NAME.split(' > ')[1], async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-ovt-'));
    try {
      const initramfs = buildInitramfs(work);
      const run = await runHost(
        {
          name: 'open-vm-tools',
          memoryMiB: 512,
          cpus: 1,
          kernel: kernel!,
          initrd: initramfs.cpio,
          append: 'console=ttyS0 panic=-1',
          firmware: 'none',
          tools: { syncTime: true, copyAllowed: true, pasteAllowed: true },
          guestInfo: { [HOST_KEY]: HOST_VALUE },
        },
        240_000,
      );
      const log = `serial:\n${run.serial}\nerrors: ${run.errors.join('; ')}`;
      expect(run.serial, log).toContain(`ovt-init backdoor-wrapper=${initramfs.wrapped ? 'ioperm' : 'none'}`);
      // vmware-checkvm: "VMware software version 6 (good)" and status 0.
      expect(run.serial, log).toMatch(/VMware software version 6/);
      expect(run.serial, log).toContain('ovt-checkvm-rc=0');
      expect(run.serial, log).toContain('ovt-info-set-rc=0');
      expect(run.serial, log).toContain('ovt-info-get=y');
      expect(run.serial, log).toContain(`ovt-from-host=${HOST_VALUE}`);
      expect(run.serial, log).toContain('ovt-vmtoolsd-started');
      // The host saw the tools start (reset -> "OK ATR toolbox", tools.set.versiontype).
      const running = run.tools.find((t) => t.state === 'running' && t.version);
      expect(running, log).toBeDefined();
      expect(running!.version).toMatch(/^\d+\.\d+\.\d+$/);
      // Soft shutdown: powerOps ran the power-off script, then /sbin/shutdown -h now.
      expect(run.errors, log).toEqual([]);
      expect(run.serial, log).toContain('ovt-poweroff-script');
      expect(run.serial, log).toMatch(/ovt-shutdown -h now/);
      expect(run.serial, log).not.toContain('ovt-shutdown-failed');
      expect(run.stopped?.reason, log).toBe('poweroff');
      process.stderr.write(`open-vm-tools: tools ${running!.version} running, soft shutdown -> ${run.stopped?.reason}\n`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});

if (kvm && slowHost) {
  skipReason(
    TEST_NAME,
    "this host's KVM is kvm_pvm, which emulates every guest instruction: a Debian kernel needs minutes per boot stage here and dies in emulation failures; run it on a host with VT-x/AMD-V",
  );
}
