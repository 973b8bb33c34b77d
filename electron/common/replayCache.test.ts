import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replayCache';

const SERIAL_BYTES = 1024;

describe('ReplayCache', () => {
  it('keeps the latest state events and a bounded serial tail', () => {
    const r = new ReplayCache({ serialBytes: SERIAL_BYTES, telemetrySamples: 0 });
    r.record({ kind: 'state', v: 1, state: 'starting' });
    r.record({ kind: 'state', v: 1, state: 'running' });
    r.record({ kind: 'serial-out', v: 1, data: new Uint8Array(SERIAL_BYTES) });
    r.record({ kind: 'serial-out', v: 1, data: new Uint8Array([1, 2, 3]) });
    const out = r.replay();
    expect(out[0]).toEqual({ kind: 'state', v: 1, state: 'running' });
    const serial = out[1] as { data: Uint8Array };
    expect(Array.from(serial.data)).toEqual([1, 2, 3]);
    expect(out).toHaveLength(2);
  });

  it('joins the kept serial chunks into one event, after hello, state, mode and tools', () => {
    const r = new ReplayCache({ serialBytes: SERIAL_BYTES, telemetrySamples: 0 });
    r.record({ kind: 'serial-out', v: 1, data: Uint8Array.from([65]) });
    r.record({ kind: 'tools', v: 1, info: { state: 'running', ipAddresses: [] } });
    r.record({ kind: 'serial-out', v: 1, data: Uint8Array.from([66, 67]) });
    r.record({ kind: 'hello', v: 1, protocol: 1, capabilities: { kvm: true, nested: {} as never } });
    r.record({ kind: 'telemetry', v: 1, sample: {} as never });
    const out = r.replay();
    expect(out.map((e) => e.kind)).toEqual(['hello', 'tools', 'serial-out']);
    expect(Array.from((out[2] as { data: Uint8Array }).data)).toEqual([65, 66, 67]);
  });
});

describe('ReplayCache telemetry', () => {
  it('replays the recent samples after the serial output', () => {
    const r = new ReplayCache({ serialBytes: SERIAL_BYTES, telemetrySamples: 600 });
    const sample = (seq: number) => ({ kind: 'telemetry' as const, v: 1 as const, sample: { seq, tMs: seq * 100, vcpus: 1, counters: [], ports: [], mmio: [], backdoor: {}, kvm: {} } });
    for (let i = 0; i < 700; i++) r.record(sample(i));
    const t = r.replay().filter((e) => e.kind === 'telemetry');
    expect(t).toHaveLength(600);
    expect((t[0] as ReturnType<typeof sample>).sample.seq).toBe(100);
  });
});
