// Event fan-out of one VM host: the control stream to the parent (Electron main, or the
// CLI / dev host / tests), and every event to each attached window port (Electron's
// MessagePorts: serial, frames and telemetry never pass through main). A port attached
// late first gets a replay: hello, the last state, mode and tools info, recent serial.
import type { HostEvent, HostRequest } from '../common/protocol';
import { ReplayCache } from '../common/replayCache';

/** A late window gets this much of the serial output (the console's recent screen). */
const REPLAY_SERIAL_BYTES = 64 * 1024;

/** The part of Electron's MessagePortMain the host uses (no electron import here). */
export interface PortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
  start(): void;
}

/** A message from a client, not yet checked, and how to answer that client alone. */
export type RequestHandler = (raw: unknown, reply: (event: HostEvent) => void) => void;

const CONTROL: ReadonlySet<HostEvent['kind']> = new Set(['hello', 'state', 'error', 'tools', 'milestone', 'screenshot-done']);
// A window may drive the VM but not name host files or start another VM.
const FROM_PORT_REFUSED: ReadonlySet<HostRequest['kind']> = new Set(['start', 'screenshot']);

export class EventFanout {
  private readonly ports = new Set<PortLike>();
  private readonly replay = new ReplayCache({ serialBytes: REPLAY_SERIAL_BYTES, telemetrySamples: 0 });

  constructor(
    private readonly toParent: (event: HostEvent) => void,
    private readonly allToParent: boolean,
  ) {}

  send(event: HostEvent): void {
    this.replay.record(event);
    if (this.allToParent || CONTROL.has(event.kind)) this.toParent(event);
    for (const port of this.ports) port.postMessage(event);
  }

  attach(port: PortLike, handle: RequestHandler): void {
    this.ports.add(port);
    port.on('message', (e) => {
      const kind = typeof e.data === 'object' && e.data !== null ? (e.data as { kind?: unknown }).kind : undefined;
      if (!FROM_PORT_REFUSED.has(kind as HostRequest['kind'])) handle(e.data, (event) => port.postMessage(event));
    });
    port.on('close', () => this.ports.delete(port));
    port.start();
    for (const event of this.replay.replay()) port.postMessage(event);
  }
}
