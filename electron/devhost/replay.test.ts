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
