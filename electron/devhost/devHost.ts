// Browser dev host: serves the built renderer over HTTP on 127.0.0.1 and speaks the same
// app + VM protocol over a WebSocket (/ipc), forking one real VM host per running VM
// with child_process (the very module Electron main starts with utilityProcess). It is
// what `npm run start:browser` and the e2e suite run where no Electron binary exists.
//
// Security: loopback only, and the socket accepts only pages served by this host (Origin
// check), so another web page in the same browser cannot drive the VMs.
import * as http from 'node:http';
import * as path from 'node:path';
import { fork } from 'node:child_process';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HostCapabilities, HostEvent } from '../common/protocol';
import type { AppEvent } from '../main/appProtocol';
import { AppService } from '../main/appService';
import { serveStatic } from '../main/appScheme';
import { VmLibrary } from '../main/library';
import { probeCapabilities, VmRunner, type HostHandle } from '../main/vmRunner';
import { decodeMessage, encodeMessage } from './wireCodec';
import { ReplayCache } from './replay';
import { pageRequest } from './pageRequests';
import type { WsClientMessage, WsServerMessage } from './wsProtocol';

export interface DevHostOptions {
  port: number;
  rendererRoot: string;
  vmHostModule: string;
  dataDir: string;
  guestsDir: string;
  log?: (line: string) => void;
}

export interface DevHost {
  url: string;
  close(): Promise<void>;
}

/** Forks a VM host; advanced serialization keeps Uint8Array payloads binary. */
export function forkChildHost(modulePath: string): (vmId: string) => HostHandle {
  return () => {
    const child = fork(modulePath, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exitListeners: ((code: number | null) => void)[] = [];
    let exited = false;
    child.on('exit', (code) => {
      exited = true;
      exitListeners.splice(0).forEach((l) => l(code));
    });
    child.on('error', () => undefined);
    return {
      send: (req) => {
        if (!exited && child.connected) child.send(req, undefined, {}, () => undefined);
      },
      onEvent: (l) => void child.on('message', (m) => l(m as HostEvent)),
      onExit: (l) => {
        if (exited) l(null);
        else exitListeners.push(l);
      },
      kill: () => {
        if (!exited) child.kill('SIGKILL');
      },
    };
  };
}

export function startDevHost(opts: DevHostOptions): Promise<DevHost> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const forkHost = forkChildHost(opts.vmHostModule);
  const replays = new Map<string, ReplayCache>();
  const clients = new Set<{ ws: WebSocket; vms: Set<string> }>();
  const send = (ws: WebSocket, msg: WsServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage(msg));
  };

  const library = new VmLibrary(path.join(opts.dataDir, 'library.json'), opts.guestsDir);
  const runner = new VmRunner<HostHandle>(
    (id) => {
      replays.set(id, new ReplayCache());
      return forkHost(id);
    },
    () => broadcast({ kind: 'library', snapshot: service.snapshot() }),
  );
  let capabilities: Promise<HostCapabilities> | undefined;
  const service = new AppService({
    library,
    runner,
    capabilities: () =>
      (capabilities ??= probeCapabilities(forkHost).catch((err: unknown) => {
        capabilities = undefined;
        throw err;
      })),
  });
  const broadcast = (event: AppEvent): void => {
    for (const c of clients) send(c.ws, { t: 'app', event });
  };
  runner.onHostEvent((id, event) => {
    replays.get(id)?.record(event);
    for (const c of clients) if (c.vms.has(id)) send(c.ws, { t: 'vm', id, event });
  });

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const r = serveStatic(opts.rendererRoot, new URL(req.url ?? '/', 'http://x').pathname);
    res.writeHead(r.status, r.headers).end(req.method === 'HEAD' ? undefined : r.body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const allowed = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ipc' || !allowed.includes(req.headers.origin ?? '')) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws));
  });

  function onClient(ws: WebSocket): void {
    const client = { ws, vms: new Set<string>() };
    clients.add(client);
    ws.on('close', () => clients.delete(client));
    ws.on('message', (data, isBinary) => {
      let msg: WsClientMessage;
      try {
        if (!isBinary) throw new Error('text frame');
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        msg = decodeMessage(new Uint8Array(buf.buffer, buf.byteOffset, buf.length)) as WsClientMessage;
      } catch (err) {
        log(`devhost: dropped a malformed message (${(err as Error).message})`);
        return;
      }
      void onMessage(client, msg);
    });
  }

  async function onMessage(client: { ws: WebSocket; vms: Set<string> }, msg: WsClientMessage): Promise<void> {
    switch (msg.t) {
      case 'req': {
        try {
          const value = await service.handle(msg.req);
          // The page that starts a VM sees it from its first event (a guest can finish in
          // milliseconds); its later vm-open then needs no replay.
          if (msg.req.kind === 'vm-start') client.vms.add(String(msg.req.id));
          send(client.ws, { t: 'res', seq: msg.seq, ok: true, value });
          const kind = msg.req?.kind;
          if (kind === 'library-save' || kind === 'library-remove' || kind === 'vmx-save' || kind === 'vm-allow-external-disks') broadcast({ kind: 'library', snapshot: service.snapshot() });
        } catch (err) {
          send(client.ws, { t: 'res', seq: msg.seq, ok: false, error: err instanceof Error ? err.message : String(err) });
        }
        return;
      }
      case 'vm-open': {
        const id = String(msg.id);
        // A VM that already stopped can still be opened: the replay holds its output.
        if (!replays.has(id)) {
          send(client.ws, { t: 'res', seq: msg.seq, ok: false, error: 'that VM has not run' });
          return;
        }
        send(client.ws, { t: 'res', seq: msg.seq, ok: true, value: null });
        if (!client.vms.has(id)) for (const event of replays.get(id)?.replay() ?? []) send(client.ws, { t: 'vm', id, event });
        client.vms.add(id);
        return;
      }
      case 'vm-close':
        client.vms.delete(String(msg.id));
        return;
      case 'vm': {
        const req = pageRequest(msg.req);
        if (req && client.vms.has(String(msg.id))) runner.host(String(msg.id))?.send(req);
        return;
      }
      default:
        return;
    }
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        async close() {
          await runner.stopAll(2000);
          for (const c of clients) c.ws.terminate();
          wss.close();
          await new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
