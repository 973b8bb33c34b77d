// A test's direct line to a real VM host process (out/electron/vmhost/vmHostMain.js,
// started as the CLI starts it, electron/app/childHost.ts): starts one VM, keeps the serial
// output as text and every event, lets the test send requests and wait for events or
// serial text with timeouts, and kills the host at the end. Frame events are kept without
// their pixels (a 1280x720 frame is 3.6 MB); telemetry is only counted. Pass `onEvent` to
// see every event whole.
import * as path from 'node:path';

import { startChildHost, type ChildHost } from '../app/childHost';
import type { HostEvent, HostRequest, VmConfig } from '../common/protocol';
import { ROOT } from './runCli';

export const VMHOST_MAIN = path.join(ROOT, 'out/electron/vmhost/vmHostMain.js');

type EventOf<K extends HostEvent['kind']> = Extract<HostEvent, { kind: K }>;

export interface WaitOptions {
  timeoutMs?: number;
  /** Only events received at or after this index (see `mark()`); default 0. */
  since?: number;
}

interface Waiter {
  check: () => boolean;
  fail: (why: string) => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const NO_PIXELS = new Uint8Array(0);

export class VmHostClient {
  readonly events: HostEvent[] = [];
  telemetryCount = 0;
  private serialText = '';
  private stderrText = '';
  private readonly waiters = new Set<Waiter>();
  private exitInfo?: string;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly host: ChildHost,
    private readonly onEvent?: (event: HostEvent) => void,
  ) {
    host.stderr?.on('data', (d: Buffer) => (this.stderrText += d.toString()));
    host.stdout?.on('data', (d: Buffer) => (this.stderrText += d.toString()));
    host.onEvent((event) => this.receive(event));
    this.exited = new Promise((resolve) =>
      host.onExit((code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `exit ${code}`;
        for (const w of [...this.waiters]) w.fail(`the VM host ended (${this.exitInfo})`);
        resolve();
      }),
    );
  }

  /** Forks a VM host, waits for its hello and starts `config`. */
  static async start(
    config: VmConfig,
    opts: { helloTimeoutMs?: number; onEvent?: (event: HostEvent) => void } = {},
  ): Promise<VmHostClient> {
    const client = new VmHostClient(startChildHost({ module: VMHOST_MAIN, output: 'pipe' }), opts.onEvent);
    try {
      await client.waitFor('hello', () => true, { timeoutMs: opts.helloTimeoutMs ?? 15_000 });
    } catch (err) {
      await client.close();
      throw err;
    }
    client.send({ kind: 'start', v: 1, config });
    return client;
  }

  send(request: HostRequest): void {
    if (!this.host.connected) throw new Error(`cannot send ${request.kind}: the VM host is gone (${this.exitInfo ?? 'disconnected'})`);
    this.host.send(request);
  }

  /** Everything the guest wrote to COM1 so far, bytes as latin1 characters. */
  serial(): string {
    return this.serialText;
  }

  /** Index of the next event to arrive, for `since`. */
  mark(): number {
    return this.events.length;
  }

  /** The first event of `kind` (from `since` on) that satisfies `match`. */
  waitFor<K extends HostEvent['kind']>(
    kind: K,
    match: (event: EventOf<K>) => boolean = () => true,
    opts: WaitOptions = {},
  ): Promise<EventOf<K>> {
    let next = opts.since ?? 0;
    let found: EventOf<K> | undefined;
    return this.waitUntil(
      `a '${kind}' event`,
      () => {
        for (; next < this.events.length && !found; next++) {
          const e = this.events[next];
          if (e.kind === kind && match(e as EventOf<K>)) found = e as EventOf<K>;
        }
        return found;
      },
      opts.timeoutMs,
    );
  }

  /** Waits until the serial text matches; returns the match. */
  waitForSerial(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    return this.waitUntil(`serial output matching ${pattern}`, () => this.serialText.match(pattern) ?? undefined, timeoutMs);
  }

  /** The 'stopped' state event (how the run ended). */
  waitForStop(timeoutMs?: number): Promise<EventOf<'state'>> {
    return this.waitFor('state', (e) => e.state === 'stopped', { timeoutMs });
  }

  /** Kills the host (SIGKILL if it is still running) and waits for it to go. */
  async close(): Promise<void> {
    if (this.exitInfo === undefined) this.host.kill();
    await this.exited;
  }

  /** What a failure message should show: the end of the serial output and the host's stderr. */
  diagnostics(): string {
    const kinds = this.events.slice(-12).map((e) => (e.kind === 'state' ? `state:${e.state}` : e.kind));
    return [
      `serial (last 600 chars): ${JSON.stringify(this.serialText.slice(-600))}`,
      `last events: ${kinds.join(', ') || 'none'}`,
      `host stderr: ${JSON.stringify(this.stderrText.slice(-600))}`,
      `host: ${this.exitInfo ?? 'running'}`,
    ].join('\n');
  }

  /** Re-runs `probe` on every event until it returns something other than undefined. */
  waitUntil<T>(what: string, probe: () => T | undefined, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (err?: string, value?: T) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err !== undefined) reject(new Error(`waiting for ${what}: ${err}\n${this.diagnostics()}`));
        else resolve(value as T);
      };
      const waiter: Waiter = {
        check: () => {
          const v = probe();
          if (v === undefined) return false;
          done(undefined, v);
          return true;
        },
        fail: (why) => done(why),
      };
      const timer = setTimeout(() => done(`nothing after ${timeoutMs} ms`), timeoutMs);
      this.waiters.add(waiter);
      if (waiter.check()) return;
      if (this.exitInfo !== undefined) done(`the VM host ended (${this.exitInfo})`);
    });
  }

  private receive(event: HostEvent): void {
    this.onEvent?.(event);
    switch (event.kind) {
      case 'telemetry':
        this.telemetryCount++;
        return;
      case 'serial-out':
        this.serialText += Buffer.from(event.data).toString('latin1');
        break;
      case 'frame':
        event = { ...event, rects: event.rects.map((r) => ({ ...r, rgba: NO_PIXELS })) };
        break;
      default:
        break;
    }
    this.events.push(event);
    for (const w of [...this.waiters]) w.check();
  }
}
