// The preload against a fake 'electron': it exposes functions only, strips the IPC event,
// and hands VM ports to the page through window.postMessage.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
const invoke = vi.fn(async (..._args: unknown[]) => 'reply');
const posted: unknown[][] = [];

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (ch: string, l: (event: unknown, ...args: unknown[]) => void) => void listeners.set(ch, [...(listeners.get(ch) ?? []), l]),
    removeListener: (ch: string, l: unknown) => void listeners.set(ch, (listeners.get(ch) ?? []).filter((x) => x !== l)),
  },
}));

beforeEach(async () => {
  (globalThis as Record<string, unknown>).window = { postMessage: (...args: unknown[]) => posted.push(args) };
  if (!exposed.vireo) await import('./preload');
});

describe('preload', () => {
  it('exposes exactly request, onEvent and connectVm, all functions', () => {
    const api = exposed.vireo as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['connectVm', 'onEvent', 'request']);
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
  });

  it('invokes only the allowlisted channels', async () => {
    const api = exposed.vireo as { request(r: unknown): Promise<unknown>; connectVm(id: string): Promise<void> };
    await api.request({ kind: 'library-list' });
    await api.connectVm('demo');
    expect(invoke.mock.calls).toEqual([
      ['vireo:request', { kind: 'library-list' }],
      ['vireo:connect-vm', 'demo'],
    ]);
  });

  it('gives listeners the event payload, never the IpcRendererEvent, keeping events sent before the page subscribed', () => {
    const api = exposed.vireo as { onEvent(l: (e: unknown) => void): () => void };
    const emit = (payload: unknown) => listeners.get('vireo:event')!.forEach((l) => l({ sender: 'secret' }, payload));
    emit({ kind: 'show-vm', id: 'early' });
    const seen: unknown[][] = [];
    const off = api.onEvent((...args) => seen.push(args));
    emit({ kind: 'show-vm', id: 'x' });
    off();
    emit({ kind: 'show-vm', id: 'after-off' });
    expect(seen).toEqual([[{ kind: 'show-vm', id: 'early' }], [{ kind: 'show-vm', id: 'x' }]]);
  });

  it('forwards a VM port to the page with its id', () => {
    const port = { fake: 'port' };
    for (const l of listeners.get('vireo:vm-port')!) l({ ports: [port] }, { id: 'demo' });
    expect(posted).toEqual([[{ type: 'vireo:vm-port', id: 'demo' }, '*', [port]]]);
  });
});
