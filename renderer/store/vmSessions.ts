// One session per VM this window is connected to: routes the VM host's events into the
// stores (low frequency), the telemetry ring (10 Hz), the framebuffer and the serial
// backlog (bulk, outside React). Components send requests through sendTo().
import type { HostEvent, HostRequest } from '../../electron/common/protocol';
import type { VmConnection, VmmClient } from '../bridge/vmmClient';
import { Framebuffer } from '../features/display/framebuffer';
import { useTelemetryStore } from './telemetryStore';
import { defaultOptions, useVmStore } from './vmStore';

/** Serial output kept for a console that mounts later (bytes, oldest dropped first). */
export const SERIAL_BACKLOG_BYTES = 256 * 1024;

export interface VmSession {
  readonly id: string;
  readonly framebuffer: Framebuffer;
  /** Replays the backlog, then delivers new serial bytes; returns the unsubscribe. */
  attachSerial(sink: (data: Uint8Array) => void): () => void;
  send(req: HostRequest): void;
}

class Session implements VmSession {
  readonly framebuffer = new Framebuffer();
  private backlog: Uint8Array[] = [];
  private backlogBytes = 0;
  private readonly serialSinks = new Set<(data: Uint8Array) => void>();

  constructor(
    private readonly conn: VmConnection,
    private readonly client: VmmClient,
  ) {
    conn.onEvent((ev) => this.onEvent(ev));
  }

  get id(): string {
    return this.conn.id;
  }

  send(req: HostRequest): void {
    this.conn.send(req);
  }

  attachSerial(sink: (data: Uint8Array) => void): () => void {
    for (const chunk of this.backlog) sink(chunk);
    this.serialSinks.add(sink);
    return () => this.serialSinks.delete(sink);
  }

  close(): void {
    this.conn.close();
  }

  private onEvent(ev: HostEvent): void {
    const id = this.id;
    const store = useVmStore.getState();
    switch (ev.kind) {
      case 'hello':
        store.updateVm(id, { capabilities: ev.capabilities });
        break;
      case 'state':
        store.updateVm(id, { state: ev.state, reason: ev.reason, detail: ev.detail });
        break;
      case 'serial-out':
        this.pushSerial(ev.data);
        break;
      case 'telemetry':
        useTelemetryStore.getState().push(id, ev.sample);
        break;
      case 'mode':
        store.updateVm(id, { mode: ev.mode });
        this.framebuffer.resize(ev.mode.width, ev.mode.height);
        break;
      case 'frame':
        this.framebuffer.apply(ev.width, ev.height, ev.rects);
        break;
      case 'tools':
        store.updateVm(id, { tools: ev.info });
        break;
      case 'guestinfo':
        store.updateVm(id, { guestInfo: ev.entries });
        break;
      case 'vm-log':
        store.updateVm(id, { vmLog: { path: ev.path, lines: ev.lines } });
        break;
      case 'guest-clipboard':
        // Guest → host copy, only while the user allows it for this VM.
        if ((store.vms[id]?.options ?? defaultOptions(store.entries.find((e) => e.id === id))).copy) {
          this.client.request({ kind: 'clipboard-write', text: ev.text }).catch(() => undefined);
        }
        break;
      case 'error':
        store.updateVm(id, { lastError: ev.error });
        break;
      case 'notice':
        store.updateVm(id, { notice: ev.message });
        break;
      case 'milestone':
      case 'screenshot-done':
        break;
    }
  }

  private pushSerial(data: Uint8Array): void {
    this.backlog.push(data);
    this.backlogBytes += data.length;
    while (this.backlogBytes > SERIAL_BACKLOG_BYTES && this.backlog.length > 1) {
      this.backlogBytes -= this.backlog.shift()!.length;
    }
    for (const sink of this.serialSinks) sink(data);
  }
}

export class VmSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly connecting = new Map<string, Promise<VmSession>>();

  constructor(private readonly client: VmmClient) {}

  get(id: string): VmSession | undefined {
    return this.sessions.get(id);
  }

  /** Connects once per VM; later calls return the same session. */
  connect(id: string): Promise<VmSession> {
    const existing = this.sessions.get(id);
    if (existing) return Promise.resolve(existing);
    let p = this.connecting.get(id);
    if (!p) {
      p = this.client.connectVm(id).then((conn) => {
        const s = new Session(conn, this.client);
        this.sessions.set(id, s);
        return s;
      });
      p.finally(() => this.connecting.delete(id)).catch(() => undefined);
      this.connecting.set(id, p);
    }
    return p;
  }

  /** Forgets a session whose VM host went away (a new run needs a new connection). */
  drop(id: string): void {
    this.sessions.get(id)?.close();
    this.sessions.delete(id);
  }
}
