// The dev host end to end at the protocol level: HTTP, the WebSocket envelope, the VM
// runner and child_process hosts (the scripted fake host stands in for the native one).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cookieName } from './accessToken';
import { startDevHost, type DevHost } from './devHost';
import { decodeMessage, encodeMessage } from '../common/wireCodec';
import type { WsClientMessage, WsServerMessage } from '../common/wsProtocol';

const repo = path.resolve(__dirname, '..', '..');
let host: DevHost;
let dir: string;
const TOKEN = 'devhost-test-token';
/** The host's address without the token, and the cookie a page that opened it holds. */
let base: string;
let cookie: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-devhost-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(dir, 'demo.bin'), ''); // the fake host does not read it
  host = await startDevHost({
    port: 0,
    rendererRoot: dir,
    vmHostModule: path.join(repo, 'e2e', 'fixtures', 'fakeVmHost.js'),
    dataDir: path.join(dir, 'data'),
    guestsDir: dir,
    token: TOKEN,
    log: () => undefined,
  });
  base = host.url.split('?')[0]!;
  cookie = `${cookieName(Number(new URL(base).port))}=${TOKEN}`;
});
afterAll(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function connect(origin = base.replace(/\/$/, ''), headers: Record<string, string> = { cookie }): Promise<{ ws: WebSocket; inbox: WsServerMessage[]; next: (pred: (m: WsServerMessage) => boolean) => Promise<WsServerMessage>; send: (m: WsClientMessage) => void }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}ipc`, { origin, headers });
    const inbox: WsServerMessage[] = [];
    const waiters: { pred: (m: WsServerMessage) => boolean; resolve: (m: WsServerMessage) => void }[] = [];
    ws.on('message', (data: Buffer) => {
      const m = decodeMessage(new Uint8Array(data)) as WsServerMessage;
      inbox.push(m);
      for (const w of waiters.splice(0)) {
        if (w.pred(m)) w.resolve(m);
        else waiters.push(w);
      }
    });
    const next = (pred: (m: WsServerMessage) => boolean) =>
      new Promise<WsServerMessage>((res) => {
        const found = inbox.find(pred);
        if (found) res(found);
        else waiters.push({ pred, resolve: res });
      });
    ws.on('open', () => resolve({ ws, inbox, next, send: (m) => ws.send(encodeMessage(m)) }));
    ws.on('error', reject);
  });
}

describe('dev host', () => {
  it('prints a URL with the token; opening it sets a port-scoped cookie and drops the token from the address', async () => {
    expect(host.url).toBe(`${base}?token=${TOKEN}`);
    const res = await fetch(host.url, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect(res.headers.get('set-cookie')).toBe(`${cookie}; Path=/; HttpOnly; SameSite=Strict`);
  });

  it('serves the renderer with the CSP header to a page holding the cookie', async () => {
    const res = await fetch(base, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${base}../../etc/passwd`, { headers: { cookie } })).status).toBe(404);
  });

  it('refuses HTTP without the token, with a wrong one, or with another port cookie', async () => {
    for (const [url, headers] of [
      [base, {}],
      [`${base}?token=wrong`, {}],
      [`${base}?token=${TOKEN}x`, {}],
      [base, { cookie: `${cookie}x` }],
      [base, { cookie: `vireo_token_1=${TOKEN}` }],
    ] as const) {
      const res = await fetch(url, { headers, redirect: 'manual' });
      expect(res.status, `${url} ${JSON.stringify(headers)}`).toBe(403);
      expect(await res.text()).toMatch(/open the address it printed/);
    }
  });

  it('refuses WebSocket connections from other origins or without the token', async () => {
    await expect(connect('http://evil.example')).rejects.toThrow(/403/);
    await expect(connect(undefined, {})).rejects.toThrow(/403/);
    await expect(connect(undefined, { cookie: `${cookie}x` })).rejects.toThrow(/403/);
  });

  it('starts a VM host, relays its events and forwards page requests', async () => {
    const c = await connect();
    c.send({ t: 'req', seq: 1, req: { kind: 'vm-start', id: 'demo' } });
    expect(await c.next((m) => m.t === 'res' && m.seq === 1)).toMatchObject({ ok: true });
    await c.next((m) => m.t === 'app' && m.event.kind === 'library' && m.event.snapshot.running.some((r) => r.state === 'running'));
    c.send({ t: 'vm-open', seq: 2, id: 'demo' });
    await c.next((m) => m.t === 'res' && m.seq === 2);
    // The starting page got everything live, from the host's hello on.
    await c.next((m) => m.t === 'vm' && m.event.kind === 'hello');
    await c.next((m) => m.t === 'vm' && m.event.kind === 'serial-out');
    // A second, late viewer gets a replay: hello, state and the serial banner.
    const late = await connect();
    late.send({ t: 'vm-open', seq: 1, id: 'demo' });
    await late.next((m) => m.t === 'vm' && m.event.kind === 'state' && m.event.state === 'running');
    const banner = await late.next((m) => m.t === 'vm' && m.event.kind === 'serial-out');
    expect(new TextDecoder().decode((banner as { event: { data: Uint8Array } }).event.data)).toContain('booting Vireo demo');
    late.ws.close();
    c.send({ t: 'vm', id: 'demo', req: { kind: 'serial-in', v: 1, data: new TextEncoder().encode('xyz') } });
    await c.next((m) => m.t === 'vm' && m.event.kind === 'serial-out' && new TextDecoder().decode(m.event.data) === 'xyz');
    await c.next((m) => m.t === 'vm' && m.event.kind === 'telemetry');
    // A page may not send `start` or `screenshot` (a host file path) to a VM host.
    c.send({ t: 'vm', id: 'demo', req: { kind: 'screenshot', v: 1, id: 1, path: '/tmp/x.png' } });
    c.send({ t: 'vm', id: 'demo', req: { kind: 'power', v: 1, op: 'stop' } });
    await c.next((m) => m.t === 'vm' && m.event.kind === 'state' && m.event.state === 'stopped');
    expect(c.inbox.some((m) => m.t === 'vm' && m.event.kind === 'screenshot-done')).toBe(false);
    c.ws.close();
  });

  it('answers capabilities from a probe host and reports bad requests as errors', async () => {
    const c = await connect();
    c.send({ t: 'req', seq: 1, req: { kind: 'capabilities' } });
    const caps = await c.next((m) => m.t === 'res' && m.seq === 1);
    expect(caps).toMatchObject({ ok: true, value: { kvm: true } });
    c.send({ t: 'req', seq: 2, req: { kind: 'vm-start', id: 'nope' } });
    expect(await c.next((m) => m.t === 'res' && m.seq === 2)).toMatchObject({ ok: false, error: expect.stringContaining('no VM') });
    c.ws.close();
  });
});
