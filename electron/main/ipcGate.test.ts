import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { IpcGate, IpcRefused, refuseSender } from './ipcGate';
import { APP_CHANNELS } from '../common/appProtocol';

const top = (url: string) => ({ url, parent: null });

describe('refuseSender', () => {
  it('accepts our top-level app:// page', () => {
    expect(refuseSender(APP_CHANNELS.request, top('app://vireo/index.html'))).toBeNull();
  });

  it('refuses unknown channels, missing frames, subframes and foreign origins', () => {
    expect(refuseSender('vireo:eval', top('app://vireo/index.html'))).toBe('channel');
    expect(refuseSender(APP_CHANNELS.request, null)).toBe('no-frame');
    expect(refuseSender(APP_CHANNELS.request, { url: 'app://vireo/index.html', parent: {} })).toBe('subframe');
    for (const url of ['https://vireo/', 'file:///work/out/renderer/index.html', 'app://evil/', 'app://vireo.evil/', 'app://user:pw@vireo/', 'about:blank', 'not a url']) {
      expect(refuseSender(APP_CHANNELS.request, top(url))).toBe('origin');
    }
  });
});

describe('IpcGate', () => {
  type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;
  function setup(ours = true) {
    const handlers = new Map<string, Handler>();
    const logs: string[] = [];
    const fakeIpc = { handle: (ch: string, h: Handler) => void handlers.set(ch, h) };
    const gate = new IpcGate(fakeIpc as never, () => ours, (m) => logs.push(m));
    const calls: unknown[][] = [];
    gate.handle(APP_CHANNELS.request, (_e, ...args) => (calls.push(args), 'ok'));
    const invoke = (frame: { url: string; parent: unknown } | null, ...args: unknown[]) =>
      handlers.get(APP_CHANNELS.request)!({ senderFrame: frame, sender: { id: 7 } } as unknown as IpcMainInvokeEvent, ...args);
    return { gate, invoke, calls, logs };
  }

  it('runs the handler for a trusted sender', () => {
    const { invoke, calls } = setup();
    expect(invoke(top('app://vireo/index.html'), 1)).toBe('ok');
    expect(calls).toEqual([[1]]);
  });

  it('never runs the handler for an iframe, a foreign page or a window main did not create', () => {
    const a = setup();
    expect(() => a.invoke({ url: 'app://vireo/index.html', parent: { url: 'app://vireo/' } })).toThrow(IpcRefused);
    expect(() => a.invoke(top('https://example.com/'))).toThrow(IpcRefused);
    expect(a.calls).toEqual([]);
    expect(a.logs).toHaveLength(2);
    const b = setup(false);
    expect(() => b.invoke(top('app://vireo/index.html'))).toThrow(/sender/);
    expect(b.calls).toEqual([]);
  });

  it('will not register a channel outside the allowlist', () => {
    const { gate } = setup();
    expect(() => gate.handle('vireo:shell' as never, () => 1)).toThrow(/APP_CHANNELS/);
  });
});
