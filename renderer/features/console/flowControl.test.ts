import { describe, expect, it } from 'vitest';
import { SerialFlowControl } from './flowControl';

describe('SerialFlowControl', () => {
  it('pauses above the high watermark and resumes below the low one, once each', () => {
    const calls: boolean[] = [];
    const fc = new SerialFlowControl((p) => calls.push(p), 100, 20);
    const done = [fc.written(60), fc.written(60)];
    expect(calls).toEqual([true]);
    const third = fc.written(10);
    expect(calls).toEqual([true]);
    done[0]!(); // 70 pending: still above low
    expect(calls).toEqual([true]);
    done[1]!(); // 10 pending
    expect(calls).toEqual([true, false]);
    third();
    expect(fc.pendingBytes).toBe(0);
    expect(fc.isPaused).toBe(false);
    expect(calls).toEqual([true, false]);
  });

  it('never pauses when xterm keeps up', () => {
    const calls: boolean[] = [];
    const fc = new SerialFlowControl((p) => calls.push(p), 100, 20);
    for (let i = 0; i < 1000; i++) fc.written(50)();
    expect(calls).toEqual([]);
  });
});
