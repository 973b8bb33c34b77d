// One VM host process per running VM (docs/architecture.md): starts it, sends `start` once the
// host said hello, tracks the VM's state, and notices when the process dies. How a host
// is started is injected (hostHandle.ts): Electron main uses utilityProcess
// (electron/main/vmHostStarter.ts), the dev host and tests child_process (childHost.ts).
// Electron-free.
import type { HostCapabilities, HostEvent, PowerOp } from '../common/protocol';
import type { LibraryEntry, RunningVm } from '../common/appProtocol';
import type { HostHandle, StartHost } from './hostHandle';

interface Run<H> {
  handle: H | null;
  vm: RunningVm;
}

/** How long a VM gets to power off before its host is killed. */
export const STOP_TIMEOUT_MS = 5000;

export class VmRunner<H extends HostHandle> {
  private readonly runs = new Map<string, Run<H>>();
  private readonly eventListeners = new Set<(id: string, event: HostEvent) => void>();

  constructor(
    private readonly startHost: StartHost<H>,
    private readonly onChange: () => void,
  ) {}

  /** Every VM that ran in this session; stopped ones keep the reason they stopped. */
  snapshot(): RunningVm[] {
    return [...this.runs.values()].map((r) => ({ ...r.vm }));
  }

  isLive(id: string): boolean {
    return this.runs.get(id)?.handle != null;
  }

  liveCount(): number {
    return [...this.runs.values()].filter((r) => r.handle).length;
  }

  host(id: string): H | undefined {
    return this.runs.get(id)?.handle ?? undefined;
  }

  /** Observes every event of every host (tray state, dev host relay). */
  onHostEvent(listener: (id: string, event: HostEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  start(entry: LibraryEntry): void {
    if (this.isLive(entry.id)) throw new Error(`${entry.config.name} is already running.`);
    const handle = this.startHost(entry.id);
    const run: Run<H> = { handle, vm: { id: entry.id, state: 'starting' } };
    this.runs.set(entry.id, run);
    handle.onEvent((event) => {
      if (run.handle !== handle) return;
      switch (event.kind) {
        case 'hello':
          handle.send({ kind: 'start', v: 1, config: entry.config });
          break;
        case 'state':
          run.vm = { id: entry.id, state: event.state, reason: event.reason, detail: event.detail };
          this.onChange();
          break;
        default:
          break;
      }
      for (const l of this.eventListeners) l(entry.id, event);
    });
    handle.onExit((code) => {
      if (run.handle !== handle) return;
      run.handle = null;
      if (run.vm.state !== 'stopped') {
        run.vm = { id: entry.id, state: 'stopped', reason: 'error', detail: `the VM host process exited (${code ?? 'signal'})` };
      }
      this.onChange();
    });
    this.onChange();
  }

  power(id: string, op: PowerOp): void {
    this.host(id)?.send({ kind: 'power', v: 1, op });
  }

  /** Powers every VM off; hosts that do not exit in time are killed. */
  async stopAll(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    const waits = [...this.runs.values()]
      .filter((r) => r.handle)
      .map(
        (r) =>
          new Promise<void>((resolve) => {
            const h = r.handle!;
            const timer = setTimeout(() => {
              h.kill();
              resolve();
            }, timeoutMs);
            h.onExit(() => {
              clearTimeout(timer);
              resolve();
            });
            h.send({ kind: 'power', v: 1, op: 'stop' });
          }),
      );
    await Promise.all(waits);
  }
}

/** Starts a throw-away host to learn what this machine supports (nested toggles, KVM). */
export function probeCapabilities(startHost: StartHost, timeoutMs = 10_000): Promise<HostCapabilities> {
  return new Promise((resolve, reject) => {
    const h = startHost('capabilities-probe');
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      h.kill();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new Error('the VM host did not say hello in time'))), timeoutMs);
    h.onEvent((ev) => {
      if (ev.kind === 'hello') finish(() => resolve(ev.capabilities));
    });
    h.onExit((code) => finish(() => reject(new Error(`the VM host exited (${code ?? 'signal'}) before saying hello`))));
  });
}
