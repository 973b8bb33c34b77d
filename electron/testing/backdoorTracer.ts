// Runs a host program under native/tools/bdtrace (the backdoor tracer) with this Node
// process as the host side: every complete GuestRPC message the program's backdoor
// traffic forms in the real native device comes here, and the reply goes back, exactly
// as through the addon's onGuestRpc. TracedProgram implements the calls ToolsBridge makes
// on a VM, so the VM host's real tools service answers the program.
//
// Link frames: u32 length | u8 type | payload (native/tools/bdtrace/host_link.h).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';

import type { NativeBackdoorState, NativeRpcMessage } from '../vmhost/native';
import type { ToolsBackdoor } from '../vmhost/toolsBridge';
import { ROOT } from './runCli';

export const BDTRACE = path.join(ROOT, 'native/tools/bdtrace/build/bdtrace');
const LINK_FD = 3;

export type TracerEvent =
  | { kind: 'host-cpuid'; hypervisor: boolean; signature: string }
  | { kind: 'exec'; pid: number; path: string; argv: string[]; allowed: boolean }
  | { kind: 'cpuid-faulting'; pid: number; result: number }
  | { kind: 'settime'; pid: number; call: 'settimeofday' | 'clock_settime'; sec: number | null; usec?: number | null; nsec?: number | null; clock?: number }
  | { kind: 'adjtime'; pid: number; call: 'adjtimex' | 'clock_adjtime'; modes: number }
  | { kind: 'guest-clipboard'; text: string }
  | { kind: 'exit'; status: number }
  | { kind: 'stats'; counters: Record<string, number> };

export interface TracedRun {
  /** The program's exit status as bdtrace reports it (128 + signal when killed). */
  code: number | null;
  stdout: string;
  stderr: string;
  events: TracerEvent[];
}

export interface TraceOptions {
  /** Programs the traced tree may execute (directories end in '/'); others fail with EACCES. */
  allowExec?: string[];
  /** The backdoor's host clock runs this far ahead of the real one. */
  clockOffsetS?: number;
  /** The TSC frequency GETMHZ/GETHZ report, as a VM's does (KVM_GET_TSC_KHZ). */
  tscKhz?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class TracedProgram implements ToolsBackdoor {
  readonly events: TracerEvent[] = [];
  stdout = '';
  stderr = '';
  readonly done: Promise<TracedRun>;
  private handler?: (message: NativeRpcMessage) => string | undefined;
  private readonly child: ChildProcess;
  private readonly link: Duplex;
  private pending = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  constructor(argv: string[], opts: TraceOptions = {}) {
    const args = ['--link', String(LINK_FD)];
    for (const p of opts.allowExec ?? []) args.push('--allow-exec', p);
    if (opts.clockOffsetS) args.push('--clock-offset-s', String(opts.clockOffsetS));
    if (opts.tscKhz) args.push('--tsc-khz', String(opts.tscKhz));
    this.child = spawn(BDTRACE, [...args, '--', ...argv], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.link = this.child.stdio[LINK_FD] as Duplex;
    this.link.on('data', (chunk: Buffer) => this.onData(chunk));
    this.link.on('error', () => {});
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString('utf8');
      this.notify();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
      this.notify();
    });
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        resolve({ code: code ?? (signal ? 128 : null), stdout: this.stdout, stderr: this.stderr, events: this.events });
        this.notify();
      });
    });
  }

  // ---- ToolsBackdoor (what ToolsBridge calls on a VM) -------------------------------------

  onGuestRpc(handler: (message: NativeRpcMessage) => string | undefined): void {
    this.handler = handler;
  }

  mirrorGuestInfo(key: string, value: string): void {
    const k = Buffer.from(key, 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32LE(k.length);
    this.send('G', Buffer.concat([head, k, Buffer.from(value, 'utf8')]));
  }

  setBackdoorState(state: NativeBackdoorState): void {
    const p = Buffer.alloc(14);
    const screen = state.screenWidth !== undefined && state.screenHeight !== undefined;
    p[0] = (screen ? 1 : 0) | (state.mouseAbsolute !== undefined ? 2 : 0) | (state.guiOptions !== undefined ? 4 : 0);
    p.writeUInt32LE(state.screenWidth ?? 0, 1);
    p.writeUInt32LE(state.screenHeight ?? 0, 5);
    p[9] = state.mouseAbsolute ? 1 : 0;
    p.writeUInt32LE(state.guiOptions ?? 0, 10);
    this.send('S', p);
  }

  setHostClipboard(text: string): void {
    this.send('C', Buffer.from(text, 'utf8'));
  }

  setClipboardPolicy(copyAllowed: boolean, pasteAllowed: boolean): void {
    this.send('P', Buffer.from([copyAllowed ? 1 : 0, pasteAllowed ? 1 : 0]));
  }

  // ---- test control ----------------------------------------------------------------------

  /** Resolves once `ready()` is true (checked on every event and output), or rejects after timeoutMs. */
  until(ready: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}\nevents:\n${this.events.map((e) => JSON.stringify(e)).join('\n')}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Ends the traced program (bdtrace passes the signal on) and waits for it. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<TracedRun> {
    this.child.kill(signal);
    return this.done;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private send(type: string, payload: Buffer): void {
    const head = Buffer.alloc(5);
    head.writeUInt32LE(payload.length + 1);
    head.write(type, 4, 'latin1');
    if (this.link.writable) this.link.write(Buffer.concat([head, payload]));
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32LE(0);
      if (this.pending.length < 4 + len) return;
      const frame = this.pending.subarray(4, 4 + len);
      this.pending = this.pending.subarray(4 + len);
      this.onFrame(String.fromCharCode(frame[0]), frame.subarray(1));
    }
  }

  private onFrame(type: string, p: Buffer): void {
    if (type === 'E') {
      this.events.push(JSON.parse(p.toString('utf8')) as TracerEvent);
      this.notify();
      return;
    }
    if (type !== 'M') return;
    const id = Number(p.readBigUInt64LE(0));
    const message: NativeRpcMessage = {
      id,
      channel: p.readUInt32LE(8),
      tclo: p[12] !== 0,
      session: p.readUInt32LE(13),
      bytes: Buffer.from(p.subarray(17)),
    };
    const reply = this.handler?.(message);
    if (id === 0) return;
    const idBuf = Buffer.alloc(8);
    idBuf.writeBigUInt64LE(BigInt(id));
    this.send('R', Buffer.concat([idBuf, Buffer.from(reply ?? '', 'utf8')]));
    this.notify();
  }
}

/** Runs a program to its end under the tracer (no tools service: RPCs get no host). */
export function traceOnce(argv: string[], opts: TraceOptions = {}): Promise<TracedRun> {
  return new TracedProgram(argv, opts).done;
}

/** The events of a finished run's link bytes ('E' frames). */
function eventsOf(link: Buffer): TracerEvent[] {
  const events: TracerEvent[] = [];
  for (let at = 0; at + 5 <= link.length; ) {
    const len = link.readUInt32LE(at);
    if (link[at + 4] === 0x45 /* 'E' */) events.push(JSON.parse(link.subarray(at + 5, at + 4 + len).toString('utf8')) as TracerEvent);
    at += 4 + len;
  }
  return events;
}

/**
 * Why the tracer cannot run here, or undefined when it can: it must be built, this
 * process must be allowed to ptrace its children (containers may forbid it), and the
 * traced program must be able to believe it runs on VMware: either CPUID faults into the
 * tracer, or the host's own hypervisor signature is one open-vm-tools does not refuse
 * (VmCheck_IsVirtualWorld refuses "KVMKVMKVM" and Xen's, lib/vmCheck/vmcheck.c).
 */
export function tracerUnavailable(): string | undefined {
  if (!fs.existsSync(BDTRACE)) return `${BDTRACE} is not built: run make -C native/tools/bdtrace`;
  const r = spawnSync(BDTRACE, ['--link', String(LINK_FD), '--', '/bin/true'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    timeout: 20_000,
  });
  if (r.status !== 0) return `bdtrace cannot trace /bin/true here (exit ${r.status ?? r.signal}): ${String(r.stderr).trim()}`;
  const events = eventsOf(r.output[LINK_FD] as Buffer);
  const faulting = events.some((e) => e.kind === 'cpuid-faulting' && e.result === 0);
  const host = events.find((e): e is Extract<TracerEvent, { kind: 'host-cpuid' }> => e.kind === 'host-cpuid');
  if (!faulting && host && /^(KVMKVMKVM|XenVMMXenVMM)/.test(host.signature)) {
    return `this host's CPUID says ${JSON.stringify(host.signature)} and offers no CPUID faulting (arch_prctl ARCH_SET_CPUID), so open-vm-tools refuse to run even under the tracer`;
  }
  return undefined;
}
