import { describe, expect, it } from 'vitest';
import { REPLAY_SERIAL_BYTES, ReplayCache } from './replay';

describe('ReplayCache', () => {
  it('keeps the latest state events and a bounded serial tail', () => {
    const r = new ReplayCache();
    r.record({ kind: 'state', v: 1, state: 'starting' });
    r.record({ kind: 'state', v: 1, state: 'running' });
    r.record({ kind: 'serial-out', v: 1, data: new Uint8Array(REPLAY_SERIAL_BYTES) });
    r.record({ kind: 'serial-out', v: 1, data: new Uint8Array([1, 2, 3]) });
    const out = r.replay();
    expect(out[0]).toEqual({ kind: 'state', v: 1, state: 'running' });
    const serial = out[1] as { data: Uint8Array };
    expect(Array.from(serial.data)).toEqual([1, 2, 3]);
  });
});

describe('ReplayCache telemetry', () => {
  it('replays the recent samples after the serial output', () => {
    const r = new ReplayCache();
    const sample = (seq: number) => ({ kind: 'telemetry' as const, v: 1 as const, sample: { seq, tMs: seq * 100, vcpus: 1, counters: [], ports: [], mmio: [], backdoor: {}, kvm: {} } });
    for (let i = 0; i < 700; i++) r.record(sample(i));
    const t = r.replay().filter((e) => e.kind === 'telemetry');
    expect(t).toHaveLength(600);
    expect((t[0] as ReturnType<typeof sample>).sample.seq).toBe(100);
  });
});
