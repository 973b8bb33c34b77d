import { describe, expect, it } from 'vitest';

import { FramePacer } from './framePacer';

interface TestFrame {
  full: boolean;
  n: number;
}

function rig(changes: () => boolean) {
  let t = 0;
  let n = 0;
  const pulls: boolean[] = [];
  const delivered: TestFrame[] = [];
  const pacer = new FramePacer<TestFrame>({
    maxFps: 60,
    ackTimeoutMs: 500,
    now: () => t,
    pull: (full) => {
      pulls.push(full);
      return full || changes() ? { full, n: ++n } : null;
    },
    deliver: (f) => delivered.push(f),
  });
  return { pacer, pulls, delivered, advance: (ms: number) => (t += ms) };
}

describe('FramePacer', () => {
  it('starts with a full frame, then pulls partial updates only when acknowledged', () => {
    let dirty = true;
    const r = rig(() => dirty);
    r.pacer.tick();
    expect(r.delivered).toEqual([{ full: true, n: 1 }]);
    r.pacer.tick(); // not acknowledged yet: skipped, display not even asked
    expect(r.pulls).toEqual([true]);
    expect(r.pacer.stats.skippedInFlight).toBe(1);
    r.pacer.ack();
    r.pacer.tick();
    expect(r.delivered[1]).toEqual({ full: false, n: 2 });
    r.pacer.ack();
    dirty = false;
    r.pacer.tick();
    expect(r.delivered.length).toBe(2);
    expect(r.pacer.stats.idleTicks).toBe(1);
  });

  it('gives up on a lost acknowledgement and resynchronizes with a full frame', () => {
    const r = rig(() => true);
    r.pacer.tick();
    r.advance(100);
    r.pacer.tick();
    expect(r.delivered.length).toBe(1);
    r.advance(500);
    r.pacer.tick();
    expect(r.pacer.stats.ackTimeouts).toBe(1);
    expect(r.delivered[1].full).toBe(true);
    r.pacer.ack();
    r.pacer.requestFull();
    r.pacer.tick();
    expect(r.delivered[2].full).toBe(true);
  });

  it('runs on an interval of 1/maxFps and stops', () => {
    const calls: number[] = [];
    let fn: (() => void) | null = null;
    const p = new FramePacer<TestFrame>({
      maxFps: 50,
      pull: () => null,
      deliver: () => undefined,
      setInterval: (f, ms) => {
        calls.push(ms);
        fn = f;
        return 7;
      },
      clearInterval: (h) => calls.push(-(h as number)),
    });
    p.start();
    p.start();
    (fn as unknown as () => void)();
    p.stop();
    expect(calls).toEqual([20, -7]);
    expect(p.stats.idleTicks).toBe(1);
    expect(() => new FramePacer({ maxFps: 0, pull: () => null, deliver: () => undefined })).toThrow(RangeError);
  });
});

describe('FramePacer idle back-off', () => {
  it('pulls every 6th tick once the screen has been idle for 30 ticks, and at full rate again after a change', () => {
    let changed = false;
    let pulls = 0;
    const p = new FramePacer<{ full: boolean }>({
      maxFps: 60,
      pull: (full) => {
        pulls++;
        if (full || changed) {
          changed = false;
          return { full };
        }
        return null;
      },
      deliver: () => p.ack(),
      setInterval: () => 0,
      clearInterval: () => undefined,
    });
    p.tick(); // the first full frame
    for (let i = 0; i < 30; i++) p.tick();
    expect(pulls).toBe(31);
    for (let i = 0; i < 60; i++) p.tick();
    expect(pulls).toBe(31 + 10);
    changed = true;
    for (let i = 0; i < 6; i++) p.tick(); // the change is seen within 6 ticks
    expect(p.stats.delivered).toBe(2);
    const before = pulls;
    for (let i = 0; i < 5; i++) p.tick();
    expect(pulls - before).toBe(5); // full rate again
  });
});
