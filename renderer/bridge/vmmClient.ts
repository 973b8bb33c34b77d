// The renderer's one door to the outside (the renderer imports electron/common only): the only
// module that touches window.vireo (Electron preload) or the dev host WebSocket. Everything else in
// renderer/ talks to a VmmClient.
//
// Two transports, same contract:
//  * Electron: app requests through window.vireo.request(); each VM gets a MessagePort
//    that main brokered between this page and the VM's host (main is not in the data path).
//  * Browser dev host: one WebSocket (/ipc) multiplexing app requests and per-VM traffic,
//    framed by wireCodec (bytes stay bytes).
import type { HostEvent, HostRequest } from '../../electron/common/protocol';
import type { AppEvent, AppReply, AppRequest, VireoApi } from '../../electron/common/appProtocol';
import { VM_PORT_MESSAGE } from '../../electron/common/appProtocol';
import { decodeMessage, encodeMessage } from '../../electron/common/wireCodec';
import type { WsClientMessage, WsServerMessage } from '../../electron/common/wsProtocol';

export interface VmConnection {
  readonly id: string;
  send(req: HostRequest): void;
  onEvent(listener: (event: HostEvent) => void): () => void;
  close(): void;
}

export interface VmmClient {
  readonly transport: 'electron' | 'websocket';
  request<R extends AppRequest>(req: R): Promise<AppReply<R['kind']>>;
  onAppEvent(listener: (event: AppEvent) => void): () => void;
  connectVm(id: string): Promise<VmConnection>;
}

type Listener<T> = (value: T) => void;

class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  /** With `buffer`, values emitted before the first listener are kept and handed to it. */
  private held: T[] | null;

  constructor(buffer = false) {
    this.held = buffer ? [] : null;
  }

  on(l: Listener<T>): () => void {
    this.listeners.add(l);
    const held = this.held;
    this.held = null;
    if (held) for (const v of held) l(v);
    return () => this.listeners.delete(l);
  }

  emit(value: T): void {
    if (this.held) this.held.push(value);
    else for (const l of [...this.listeners]) l(value);
  }
}

// ---------------------------------------------------------------- Electron (preload) ----

function electronClient(api: VireoApi): VmmClient {
  // Ports that main sent along with a vm-start reply, waiting for connectVm().
  const early = new Map<string, Promise<VmConnection>>();

  const awaitPort = (id: string): { port: Promise<VmConnection>; cancel: () => void } => {
    let onMessage: (ev: MessageEvent) => void = () => undefined;
    const port = new Promise<VmConnection>((resolve) => {
      onMessage = (ev: MessageEvent): void => {
        // Only the preload (same window) hands out ports, tagged with the VM id.
        const data = ev.data as { type?: unknown; id?: unknown } | null;
        if (ev.source !== window || !data || data.type !== VM_PORT_MESSAGE || data.id !== id || !ev.ports[0]) return;
        window.removeEventListener('message', onMessage);
        resolve(portConnection(id, ev.ports[0]));
      };
      window.addEventListener('message', onMessage);
    });
    return { port, cancel: () => window.removeEventListener('message', onMessage) };
  };

  return {
    transport: 'electron',
    async request(req) {
      if (req.kind !== 'vm-start') return (await api.request(req)) as never;
      // Main attaches this window to the new VM host before the VM starts (main.ts).
      const { port, cancel } = awaitPort(req.id);
      try {
        const reply = await api.request(req);
        early.set(req.id, port);
        return reply as never;
      } catch (err) {
        cancel();
        throw err;
      }
    },
    onAppEvent: (listener) => api.onEvent(listener),
    async connectVm(id) {
      const pending = early.get(id);
      if (pending) {
        early.delete(id);
        return pending;
      }
      const { port, cancel } = awaitPort(id);
      try {
        await api.connectVm(id);
      } catch (err) {
        cancel();
        throw err instanceof Error ? err : new Error(String(err));
      }
      return port;
    },
  };
}

function portConnection(id: string, port: MessagePort): VmConnection {
  const events = new Emitter<HostEvent>();
  port.onmessage = (ev: MessageEvent) => events.emit(ev.data as HostEvent);
  return {
    id,
    send: (req) => port.postMessage(req),
    onEvent: (l) => events.on(l),
    close: () => port.close(),
  };
}

// ---------------------------------------------------------------- dev host (WebSocket) ----

function websocketClient(url: string): VmmClient {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot reach the dev host at ${url}`)), { once: true });
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const appEvents = new Emitter<AppEvent>();
  const vmEvents = new Map<string, Emitter<HostEvent>>();
  let seq = 0;

  ws.addEventListener('message', (ev: MessageEvent) => {
    const msg = decodeMessage(new Uint8Array(ev.data as ArrayBuffer)) as WsServerMessage;
    switch (msg.t) {
      case 'res': {
        const p = pending.get(msg.seq);
        pending.delete(msg.seq);
        if (msg.ok) p?.resolve(msg.value);
        else p?.reject(new Error(msg.error));
        break;
      }
      case 'app':
        appEvents.emit(msg.event);
        break;
      case 'vm':
        vmEvents.get(msg.id)?.emit(msg.event);
        break;
    }
  });
  ws.addEventListener('close', () => {
    for (const p of pending.values()) p.reject(new Error('the dev host closed the connection'));
    pending.clear();
  });

  const send = (msg: WsClientMessage): void => ws.send(encodeMessage(msg));
  const call = async (make: (seq: number) => WsClientMessage): Promise<unknown> => {
    await opened;
    const n = ++seq;
    return new Promise((resolve, reject) => {
      pending.set(n, { resolve, reject });
      send(make(n));
    });
  };

  return {
    transport: 'websocket',
    async request(req) {
      // The browser's clipboard is the host clipboard here; the dev host has none.
      if (req.kind === 'clipboard-read') return (await navigator.clipboard.readText()) as never;
      if (req.kind === 'clipboard-write') {
        await navigator.clipboard.writeText(req.text);
        return null as never;
      }
      // The dev host subscribes the page that starts a VM right away (devHost.ts); hold
      // those first events until connectVm() hands them to the session.
      if (req.kind === 'vm-start') vmEvents.set(req.id, new Emitter<HostEvent>(true));
      return (await call((n) => ({ t: 'req', seq: n, req }))) as never;
    },
    onAppEvent: (l) => appEvents.on(l),
    async connectVm(id) {
      const events = vmEvents.get(id) ?? new Emitter<HostEvent>();
      vmEvents.set(id, events);
      await call((n) => ({ t: 'vm-open', seq: n, id }));
      return {
        id,
        send: (req) => send({ t: 'vm', id, req }),
        onEvent: (l) => events.on(l),
        close() {
          vmEvents.delete(id);
          send({ t: 'vm-close', id });
        },
      };
    },
  };
}

// ------------------------------------------------------------------------------ choice ----

export function createVmmClient(): VmmClient {
  const api = (window as unknown as { vireo?: VireoApi }).vireo;
  if (api) return electronClient(api);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return websocketClient(`${scheme}//${location.host}/ipc`);
}
