import { describe, expect, it } from 'vitest';

import type { HostEvent } from '../common/protocol';
import { EventFanout, type PortLike } from './fanout';

class FakePort implements PortLike {
  sent: unknown[] = [];
  private listeners: Record<string, ((e: { data: unknown }) => void)[]> = {};
  on(event: string, listener: (e: { data: unknown }) => void): void {
    (this.listeners[event] ??= []).push(listener);
  }
  postMessage(message: unknown): void {
    this.sent.push(message);
  }
  start(): void {}
  deliver(data: unknown): void {
    for (const l of this.listeners.message ?? []) l({ data });
  }
}

const hello: HostEvent = { kind: 'hello', v: 1, protocol: 1, capabilities: { kvm: true, nested: {} as never } };

describe('EventFanout', () => {
  it('keeps main on the control stream and gives windows everything, with a replay', () => {
    const parent: HostEvent[] = [];
    const f = new EventFanout((e) => parent.push(e), false);
    f.send(hello);
    f.send({ kind: 'state', v: 1, state: 'running' });
    f.send({ kind: 'serial-out', v: 1, data: Uint8Array.from([65, 66]) });
    f.send({ kind: 'telemetry', v: 1, sample: {} as never });
    expect(parent.map((e) => e.kind)).toEqual(['hello', 'state']);
    const port = new FakePort();
    f.attach(port, () => undefined);
    expect((port.sent as HostEvent[]).map((e) => e.kind)).toEqual(['hello', 'state', 'serial-out']);
    f.send({ kind: 'telemetry', v: 1, sample: {} as never });
    expect((port.sent.at(-1) as HostEvent).kind).toBe('telemetry');
  });

  it('refuses start and screenshot from a window port, and answers on that port alone', () => {
    const f = new EventFanout(() => undefined, false);
    const port = new FakePort();
    const other = new FakePort();
    const got: unknown[] = [];
    f.attach(port, (raw, reply) => {
      got.push(raw);
      reply({ kind: 'notice', v: 1, message: 'seen' });
    });
    f.attach(other, () => undefined);
    const before = other.sent.length;
    port.deliver({ kind: 'start', v: 1, config: {} });
    port.deliver({ kind: 'screenshot', v: 1, id: 1, path: '/etc/passwd' });
    port.deliver({ kind: 'power', v: 1, op: 'pause' });
    port.deliver(42);
    expect(got).toEqual([{ kind: 'power', v: 1, op: 'pause' }, 42]);
    expect(port.sent.filter((e) => (e as HostEvent).kind === 'notice')).toHaveLength(2);
    expect(other.sent.length).toBe(before);
  });
});
