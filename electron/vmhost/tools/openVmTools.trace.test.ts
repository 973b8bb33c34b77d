// Debian's open-vm-tools binaries as clients of Vireo's VMware Tools implementation, on
// every host: they run as host processes under native/tools/bdtrace, which serves their
// backdoor port I/O with the real native device and GuestRPC code, and this test process
// answers each complete message with the VM host's real ToolsBridge and tools service —
// the path a message takes in a running VM, minus KVM. What is asserted is what a user
// sees: the tools' own output, and what the app is told (HostEvent 'tools').
//
// Needs the tracer built (npm test builds it; alone: make -C native/tools/bdtrace), the
// open-vm-tools package, and permission to ptrace child processes. Without the package or
// ptrace the tests are skipped and say so by name.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import type { HostEvent, VmConfig } from '../../common/protocol';
import { skipReason } from '../../testing/kvmGate';
import { BDTRACE, TracedProgram, tracerUnavailable, type TracerEvent, type TracedRun, type TraceOptions } from '../../testing/backdoorTracer';
import { ToolsBridge } from '../toolsBridge';
import { VmLog } from '../vmLog';

const SUITE = 'open-vm-tools under the backdoor tracer';
const RPCTOOL = '/usr/bin/vmware-rpctool';
const CHECKVM = '/usr/bin/vmware-checkvm';
const VMTOOLSD = '/usr/bin/vmtoolsd';
const TOOLBOX = '/usr/bin/vmware-toolbox-cmd';
const PLUGINS = '/usr/lib/x86_64-linux-gnu/open-vm-tools/plugins/vmsvc';

function unavailable(): string | undefined {
  const missing = [RPCTOOL, CHECKVM, VMTOOLSD, TOOLBOX, path.join(PLUGINS, 'libpowerOps.so')].filter((f) => !fs.existsSync(f));
  if (missing.length) return `open-vm-tools is not installed (${missing.join(', ')} missing): apt-get install open-vm-tools`;
  return tracerUnavailable();
}
const why = unavailable();

/** A "VM": one traced program tree with a ToolsBridge answering it, as the VM host does. */
class TracedVm {
  readonly hostEvents: HostEvent[] = [];
  readonly program: TracedProgram;
  readonly bridge: ToolsBridge;

  constructor(argv: string[], opts: TraceOptions & { guestInfo?: Record<string, string>; log?: VmLog; syncTime?: boolean } = {}) {
    this.program = new TracedProgram(argv, opts);
    const config: VmConfig = {
      name: 'traced',
      memoryMiB: 0,
      cpus: 1,
      firmware: 'none',
      tools: { syncTime: opts.syncTime ?? true, copyAllowed: true, pasteAllowed: true },
      guestInfo: opts.guestInfo,
    };
    this.bridge = new ToolsBridge(this.program, config, (e) => {
      opts.log?.event(e);
      this.hostEvents.push(e);
    });
    // As VmSession wires the VM's vmware.log.
    this.bridge.tools.on('log', (text) => opts.log?.guest(text));
    running.add(this);
  }

  async end(): Promise<TracedRun> {
    const run = await this.program.done;
    this.bridge.dispose();
    running.delete(this);
    return run;
  }
}
const running = new Set<TracedVm>();

function describeRun(run: TracedRun): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}\nevents:\n${run.events.map((e) => JSON.stringify(e)).join('\n')}`;
}

function stats(run: TracedRun): Record<string, number> {
  const s = run.events.find((e): e is Extract<TracerEvent, { kind: 'stats' }> => e.kind === 'stats');
  return s?.counters ?? {};
}

/** Reports once which CPUID the tools saw on this host (the issue asks which mode works). */
let cpuidReported = false;
function reportCpuid(run: TracedRun): void {
  if (cpuidReported) return;
  cpuidReported = true;
  const host = run.events.find((e): e is Extract<TracerEvent, { kind: 'host-cpuid' }> => e.kind === 'host-cpuid');
  const faulting = run.events.find((e): e is Extract<TracerEvent, { kind: 'cpuid-faulting' }> => e.kind === 'cpuid-faulting');
  const mode = faulting?.result === 0 ? 'CPUID faulting: the tools see Vireo\'s "VMwareVMware" leaves' : `no CPUID faulting (arch_prctl ARCH_SET_CPUID: ${faulting?.result}): the tools see this host's CPUID, signature ${JSON.stringify(host?.signature)}`;
  process.stderr.write(`${SUITE}: ${mode}\n`);
}

afterEach(async () => {
  for (const vm of [...running]) {
    await vm.program.stop('SIGKILL');
    await vm.end();
  }
});

describe.runIf(!why)(SUITE, () => {
  it('the tracer runs only the programs it was allowed, and refuses bad arguments in one line', async () => {
    const run = await new TracedVm(['/bin/sh', '-c', '/bin/true && echo ran']).end();
    expect(run.code, describeRun(run)).toBe(126);  // sh: permission denied
    expect(run.stdout).toBe('');
    expect(run.events.filter((e) => e.kind === 'exec').map((e) => [e.path, e.allowed])).toEqual([
      ['/bin/sh', true],
      ['/bin/true', false],
    ]);
    const allowed = await new TracedVm(['/bin/sh', '-c', '/bin/true && echo ran'], { allowExec: ['/bin/true'] }).end();
    expect([allowed.code, allowed.stdout]).toEqual([0, 'ran\n']);
    const bad = spawnSync(BDTRACE, ['--allow-exec', 'relative/path', '--', '/bin/true'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('bdtrace: --allow-exec needs an absolute path');
  });

  it('vmware-checkvm says it is a VMware VM, version 6, on Workstation', async () => {
    const vm = new TracedVm([CHECKVM]);
    const run = await vm.end();
    reportCpuid(run);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toBe('VMware software version 6 (good)\n');
    const product = await new TracedVm([CHECKVM, '-p']).end();
    expect(product.stdout, describeRun(product)).toBe('Workstation\n');
  });

  it("vmware-rpctool 'info-get guestinfo.x' prints the value the host set (.vmx key, then set while running)", async () => {
    const fromVmx = await new TracedVm([RPCTOOL, 'info-get guestinfo.x'], { guestInfo: { 'guestinfo.x': 'value from the vmx' } }).end();
    expect(fromVmx.code, describeRun(fromVmx)).toBe(0);
    expect(fromVmx.stdout).toBe('value from the vmx\n');

    const vm = new TracedVm([RPCTOOL, 'info-get guestinfo.live']);
    vm.bridge.tools.setGuestInfo('guestinfo.live', 'set on the host');
    const live = await vm.end();
    expect(live.code, describeRun(live)).toBe(0);
    expect(live.stdout).toBe('set on the host\n');
    // vmware-rpctool moved both payloads over the HB port (VMware's SENDSIZE 0x0081).
    expect(stats(live)['hb-send'], describeRun(live)).toBe(1);
    expect(stats(live)['hb-recv'], describeRun(live)).toBe(1);

    const utf8 = await new TracedVm([RPCTOOL, 'info-get guestinfo.u'], { guestInfo: { 'guestinfo.u': 'grüße ✓' } }).end();
    expect(utf8.stdout, describeRun(utf8)).toBe('grüße ✓\n');

    // Over GUESTMSG_MAX_IN_SIZE (64 KiB) the host refuses SENDSIZE, as VMware does.
    const tooBig = await new TracedVm([RPCTOOL, `info-set guestinfo.big ${'z'.repeat(70_000)}`]).end();
    expect([tooBig.code, tooBig.stderr], describeRun(tooBig).slice(0, 2000)).toEqual([1, 'RpcOut: Unable to send the RPCI command\n']);

    const none = await new TracedVm([RPCTOOL, 'info-get guestinfo.unset']).end();
    expect(none.code, describeRun(none)).toBe(1);
    expect(none.stderr).toContain('No value found');
  });

  it("vmware-rpctool 'info-set guestinfo.y v' stores a value the host reads", async () => {
    const vm = new TracedVm([RPCTOOL, 'info-set guestinfo.y v']);
    const run = await vm.end();
    expect(run.code, describeRun(run)).toBe(0);
    expect(vm.bridge.tools.getGuestInfo('guestinfo.y')).toBe('v');
  });

  it('a 20 KiB guestinfo value goes out and back over HB across pages', async () => {
    // One "guest": a shell that runs vmware-rpctool twice against the same device.
    const big = Array.from({ length: 20 * 1024 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const vm = new TracedVm(['/bin/sh', '-c', `${RPCTOOL} "info-set guestinfo.big $BIG" && ${RPCTOOL} "info-get guestinfo.big"`], {
      allowExec: [RPCTOOL],
      env: { ...process.env, BIG: big },
    });
    const run = await vm.end();
    expect(run.code, describeRun(run).slice(0, 4000)).toBe(0);
    expect(vm.bridge.tools.getGuestInfo('guestinfo.big')).toBe(big);
    // info-set prints its empty result as an empty line.
    expect(run.stdout === `\n${big}\n`, `stdout: ${run.stdout.length} bytes, starts ${JSON.stringify(run.stdout.slice(0, 40))}`).toBe(true);
    const s = stats(run);
    expect(s['hb-send']).toBe(2);
    expect(s['hb-recv']).toBe(2);
    // request "info-set guestinfo.big <20480>" + "info-get guestinfo.big", replies "1 " and "1 <20480>"
    const sent = 'info-set guestinfo.big '.length + big.length + 'info-get guestinfo.big'.length;
    expect(s['hb-bytes']).toBe(sent + 2 + 2 + big.length);
  });

  it("vmware-rpctool 'log …' writes a Guest: line to the VM's vmware.log", async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-ovt-log-'));
    try {
      const log = new VmLog(work);
      const run = await new TracedVm([RPCTOOL, 'log hello from the guest'], { log }).end();
      log.close();
      expect(run.code, describeRun(run)).toBe(0);
      expect(fs.readFileSync(path.join(work, 'vmware.log'), 'utf8')).toMatch(/^\S+Z In\(05\) vcpu-0 - Guest: hello from the guest$/m);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('vmware-toolbox-cmd reads the host time and CPU speed, and switches time sync on the host', async () => {
    // stat hosttime: GETTIMEFULL, printed in the guest's local time zone.
    const ahead = 86_400;
    const hosttime = await new TracedVm([TOOLBOX, 'stat', 'hosttime'], { clockOffsetS: ahead, env: { ...process.env, TZ: 'UTC' } }).end();
    expect(hosttime.code, describeRun(hosttime)).toBe(0);
    const shown = Date.parse(`${hosttime.stdout.trim()} UTC`);
    expect(Math.abs(shown - (Date.now() + ahead * 1000)), hosttime.stdout).toBeLessThan(10_000);
    // stat speed: GETMHZ, the VM's TSC frequency.
    const speed = await new TracedVm([TOOLBOX, 'stat', 'speed'], { tscKhz: 2_345_678 }).end();
    expect([speed.code, speed.stdout], describeRun(speed)).toEqual([0, '2345 MHz\n']);
    // timesync: the tool reads GETGUIOPTIONS (VMWARE_GUI_SYNC_TIME) and asks the host with
    // vmx.set_option synctime; a later status reads the host's new state.
    const sh = (script: string, syncTime: boolean) =>
      new TracedVm(['/bin/sh', '-c', script], { allowExec: [TOOLBOX], syncTime });
    const on = sh(`${TOOLBOX} timesync status; ${TOOLBOX} timesync disable; ${TOOLBOX} timesync status`, true);
    const onRun = await on.end();
    expect(onRun.stdout, describeRun(onRun)).toBe('Enabled\nDisabled\nDisabled\n');
    expect(on.bridge.tools.syncTime()).toBe(false);
    const off = sh(`${TOOLBOX} timesync enable; ${TOOLBOX} timesync status`, false);
    const offRun = await off.end();
    expect([offRun.code, offRun.stdout], describeRun(offRun)).toEqual([0, 'Enabled\nEnabled\n']);
    expect(off.bridge.tools.syncTime()).toBe(true);
  });

  it('vmtoolsd reports its version and OS name, answers ping, steps the clock on Time_Synchronize, runs its script on a soft power-off and restart', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-ovt-trace-'));
    try {
      const plugins = path.join(work, 'plugins');
      const common = path.join(work, 'common');
      fs.mkdirSync(plugins);
      fs.mkdirSync(common);
      for (const p of ['libguestInfo.so', 'libpowerOps.so', 'libtimeSync.so']) fs.symlinkSync(path.join(PLUGINS, p), path.join(plugins, p));
      const marker = path.join(work, 'poweroff-ran');
      const script = path.join(work, 'poweroff-vm-default');
      fs.writeFileSync(script, `#!/bin/sh\necho "script ran" > "${marker}"\n`, { mode: 0o755 });
      const conf = path.join(work, 'tools.conf');
      fs.writeFileSync(
        conf,
        ['[powerops]', `poweroff-script = ${script}`, '[guestinfo]', 'poll-interval = 1', '[logging]', 'log = true', 'vmsvc.level = message', 'vmsvc.handler = std', ''].join('\n'),
      );
      const offsetS = 3600;
      const vmLog = new VmLog(work);
      const vm = new TracedVm([VMTOOLSD, '-n', 'vmsvc', '-c', conf, '--plugin-path', plugins, '--common-path', common], {
        // The shell runs the power-off script and shutdown. Nothing else: vmtoolsd's
        // `lsb_release -sd` is refused, and it names the OS from /etc/*-release itself.
        allowExec: ['/bin/sh', '/usr/bin/sh', script],
        clockOffsetS: offsetS,
        log: vmLog,
      });
      const p = vm.program;
      const toolsInfo = () => vm.hostEvents.flatMap((e) => (e.kind === 'tools' ? [e.info] : []));

      // The app is told: tools running, with a version and the OS name.
      await p.until(() => toolsInfo().some((t) => t.state === 'running' && t.version && t.osName), 'vmtoolsd to report version and OS name', 60_000);
      const info = toolsInfo().find((t) => t.state === 'running' && t.version && t.osName)!;
      expect(info.version).toMatch(/^12\.\d+\.\d+$/);
      // The full name vmtoolsd builds (lib/misc/hostinfoPosix.c): kernel, release and the
      // distribution's name, sent in SetGuestInfo 11 (OS_DETAILED).
      const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
      expect(info.osName).toContain(`Linux ${os.release()}`);
      expect(info.osName).toContain(pretty);

      // TCLO ping: vmtoolsd answers "OK " (services/vmtoolsd/toolsRpc.c).
      expect(await vm.bridge.tools.ping()).toBe(true);

      // Time_Synchronize 1: the guest clock is an hour behind the backdoor's host clock, so
      // timeSync steps it (settimeofday, which glibc makes clock_settime(CLOCK_REALTIME));
      // the tracer records the step and keeps it off this host's clock.
      const steps = () => p.events.filter((e): e is Extract<TracerEvent, { kind: 'settime' }> => e.kind === 'settime');
      const before = steps().length;
      const reply = await vm.bridge.tools.sendCommand('toolbox', 'Time_Synchronize 1');
      expect(reply.ok, JSON.stringify(reply)).toBe(true);
      await p.until(() => steps().length > before, 'a clock step', 20_000);
      const step = steps()[before];
      expect(step.call === 'settimeofday' || (step.call === 'clock_settime' && step.clock === 0), JSON.stringify(step)).toBe(true);
      expect(Math.abs(step.sec! - (Date.now() / 1000 + offsetS)), JSON.stringify(step)).toBeLessThan(30);

      // Soft power-off: OS_Halt -> the power-off script -> tools.os.statechange.status ->
      // /sbin/shutdown -h now, which the tracer refuses to run on this host.
      const result = new Promise((resolve) => vm.bridge.tools.once('powerOp', resolve));
      await vm.bridge.softPower('soft-shutdown');
      expect(await result).toEqual({ op: 'halt', result: 'ok' });
      expect(fs.readFileSync(marker, 'utf8')).toBe('script ran\n');
      const shutdown = () => p.events.find((e): e is Extract<TracerEvent, { kind: 'exec' }> => e.kind === 'exec' && e.path === '/sbin/shutdown');
      await p.until(() => shutdown() !== undefined, 'vmtoolsd to run shutdown', 20_000);
      expect(shutdown()).toMatchObject({ argv: ['/sbin/shutdown', '-h', 'now'], allowed: false });
      expect(vm.hostEvents.filter((e) => e.kind === 'error')).toEqual([]);

      // Soft restart: OS_Reboot runs the same script, then /sbin/shutdown -r now.
      fs.rmSync(marker);
      const rebooted = new Promise((resolve) => vm.bridge.tools.once('powerOp', resolve));
      await vm.bridge.softPower('soft-reboot');
      expect(await rebooted).toEqual({ op: 'reboot', result: 'ok' });
      expect(fs.readFileSync(marker, 'utf8')).toBe('script ran\n');
      const restart = () => p.events.find((e): e is Extract<TracerEvent, { kind: 'exec' }> => e.kind === 'exec' && e.argv.join(' ') === '/sbin/shutdown -r now');
      await p.until(() => restart() !== undefined, 'vmtoolsd to run shutdown -r', 20_000);
      expect(restart()?.allowed).toBe(false);

      // vmtoolsd ends on SIGTERM and closes its channels: the app sees the tools stop.
      const run = await p.stop('SIGTERM');
      await vm.end();
      reportCpuid(run);
      expect(toolsInfo().at(-1)?.state, describeRun(run)).toBe('stopped');
      // The VM's vmware.log has vmtoolsd's own GuestRPC log line and the tools state.
      vmLog.close();
      const vmwareLog = fs.readFileSync(path.join(work, 'vmware.log'), 'utf8');
      expect(vmwareLog).toMatch(/^\S+Z In\(05\) vcpu-0 - Guest: toolbox: Version: 12\.\d+\.\d+\.\d+ \(build-\d+\)$/m);
      expect(vmwareLog).toMatch(/In\(05\) vmx - Tools: running version 12\.\d+\.\d+/);
      // timeSync ends every step with STOPCATCHUP (docs/vmware-backdoor.md §6).
      expect(stats(run).STOPCATCHUP).toBeGreaterThan(0);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

if (why) skipReason(SUITE, why);
