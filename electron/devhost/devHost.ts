// Browser dev host: serves the built renderer over HTTP on 127.0.0.1 and speaks the same
// app + VM protocol over a WebSocket (/ipc), starting one real VM host per running VM
// with child_process (electron/app/childHost.ts; the very module Electron main starts
// with utilityProcess). It is what `npm run start:browser` and the e2e suite run where
// no Electron binary exists.
//
// Security: loopback only; every request needs the per-start access token (accessToken.ts:
// the printed URL carries it, a port-scoped cookie keeps it); and the socket accepts only
// pages served by this host (Origin check), so another web page cannot drive the VMs.
import * as http from 'node:http';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HostCapabilities } from '../common/protocol';
import type { AppEvent } from '../common/appProtocol';
import { AppService } from '../app/appService';
import { serveStatic } from '../app/appScheme';
import { AppLibrary } from '../app/appLibrary';
import { childHostStarter } from '../app/childHost';
import type { HostHandle } from '../app/hostHandle';
import { probeCapabilities, VmRunner } from '../app/vmRunner';
import { decodeMessage, encodeMessage } from '../common/wireCodec';
import { ReplayCache, type ReplayLimits } from '../common/replayCache';
import { pageRequest } from './pageRequests';
import { checkAccess, newToken, REFUSED_TEXT } from './accessToken';
import type { WsClientMessage, WsServerMessage } from '../common/wsProtocol';

/** A page that opens a VM late gets 256 KiB of serial output and 60 s of samples at 10 Hz
 *  (the exit charts' history). */
const REPLAY: ReplayLimits = { serialBytes: 256 * 1024, telemetrySamples: 600 };

export interface DevHostOptions {
  port: number;
  rendererRoot: string;
  vmHostModule: string;
  dataDir: string;
  guestsDir: string;
  /** The access token; a fresh random one when not given (tests pass their own). */
  token?: string;
  log?: (line: string) => void;
}

export interface DevHost {
  /** The address to open: it carries the access token. */
  url: string;
  close(): Promise<void>;
}

export function startDevHost(opts: DevHostOptions): Promise<DevHost> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const token = opts.token ?? newToken();
  const boundPort = (): number => {
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  };
  const startHost = childHostStarter({ module: opts.vmHostModule });
  const replays = new Map<string, ReplayCache>();
  const clients = new Set<{ ws: WebSocket; vms: Set<string> }>();
  const send = (ws: WebSocket, msg: WsServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage(msg));
  };

  const library = new AppLibrary(path.join(opts.dataDir, 'library.json'), opts.guestsDir);
  const runner = new VmRunner<HostHandle>(
    (id) => {
      replays.set(id, new ReplayCache(REPLAY));
      return startHost(id);
    },
    () => broadcast({ kind: 'library', snapshot: service.snapshot() }),
  );
  let capabilities: Promise<HostCapabilities> | undefined;
  const service = new AppService({
    library,
    runner,
    capabilities: () =>
      (capabilities ??= probeCapabilities(startHost).catch((err: unknown) => {
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
    const access = checkAccess(req, boundPort(), token);
    if (access.ok === false) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end(REFUSED_TEXT);
      return;
    }
    if (access.ok === 'redirect') {
      res.writeHead(303, { Location: access.location, 'Set-Cookie': access.setCookie, 'Cache-Control': 'no-store' }).end();
      return;
    }
    const r = serveStatic(opts.rendererRoot, new URL(req.url ?? '/', 'http://x').pathname);
    res.writeHead(r.status, r.headers).end(req.method === 'HEAD' ? undefined : r.body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const port = boundPort();
    const allowed = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    const pathOk = new URL(req.url ?? '/', 'http://x').pathname === '/ipc';
    if (!pathOk || !allowed.includes(req.headers.origin ?? '') || checkAccess(req, port, token).ok !== true) {
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
        url: `http://127.0.0.1:${port}/?token=${token}`,
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
