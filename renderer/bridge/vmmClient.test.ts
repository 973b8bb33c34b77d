// The Electron transport of vmmClient against a fake preload: ports arrive by window
// message, only from the same window with the right tag, and the port main sends with a
// vm-start reply is the one connectVm() returns.
import { afterEach, describe, expect, it } from 'vitest';
import type { HostEvent } from '../../electron/common/protocol';
import type { AppRequest, VireoApi } from '../../electron/common/appProtocol';
import { createVmmClient } from './vmmClient';

type Listener = (ev: { source: unknown; data: unknown; ports: MessagePort[] }) => void;

function fakeWindow(onRequest: (req: AppRequest, post: (id: string) => MessagePort) => void, onConnect: (id: string, post: (id: string) => MessagePort) => void) {
  const listeners = new Set<Listener>();
  const win: Record<string, unknown> = {};
  const post = (id: string, source: unknown = win, type: string = 'vireo:vm-port'): MessagePort => {
    const { port1, port2 } = new MessageChannel();
    for (const l of [...listeners]) l({ source, data: { type, id }, ports: [port2] });
    return port1;
  };
  const api: VireoApi = {
    request: async (req) => (onRequest(req, post), null),
    onEvent: () => () => undefined,
    connectVm: async (id) => onConnect(id, post),
  };
  Object.assign(win, {
    vireo: api,
    addEventListener: (_t: string, l: Listener) => listeners.add(l),
    removeEventListener: (_t: string, l: Listener) => listeners.delete(l),
  });
  (globalThis as Record<string, unknown>).window = win;
  return { post, listeners };
}

afterEach(() => {
  delete (globalThis as Record<string, unknown>).window;
});

const nextEvent = (conn: { onEvent(l: (e: HostEvent) => void): () => void }) => new Promise<HostEvent>((resolve) => conn.onEvent(resolve));

describe('vmmClient (Electron transport)', () => {
  it('returns the port main attached during vm-start', async () => {
    let hostEnd: MessagePort | undefined;
    const w = fakeWindow((req, post) => {
      if (req.kind === 'vm-start') hostEnd = post(req.id);
    }, () => {
      throw new Error('no second connection expected');
    });
    const client = createVmmClient();
    expect(client.transport).toBe('electron');
    await client.request({ kind: 'vm-start', id: 'demo' });
    const conn = await client.connectVm('demo');
    const got = nextEvent(conn);
    hostEnd!.postMessage({ kind: 'state', v: 1, state: 'running' });
    expect(await got).toEqual({ kind: 'state', v: 1, state: 'running' });
    expect(w.listeners.size).toBe(0);
    conn.close();
    hostEnd!.close();
  });

  it('ignores ports from another source, with another tag or for another VM', async () => {
    const decoys: MessagePort[] = [];
    let real: MessagePort | undefined;
    const w = fakeWindow(() => undefined, (id, post) => {
      const poster = post as (id: string, source?: unknown, type?: string) => MessagePort;
      decoys.push(poster(id, { other: 'frame' }), poster(id, undefined, 'not-a-port'), poster('other-vm'));
      real = poster(id);
    });
    void w;
    const conn = await createVmmClient().connectVm('vm1');
    const got = nextEvent(conn);
    for (const d of decoys) d.postMessage({ kind: 'state', v: 1, state: 'stopped' });
    real!.postMessage({ kind: 'tools', v: 1, info: { state: 'running', ipAddresses: [] } });
    expect((await got).kind).toBe('tools');
    conn.close();
    for (const p of [...decoys, real!]) p.close();
  });
});
