import { beforeEach, describe, expect, it } from 'vitest';
import type { TelemetrySample } from '../../electron/common/protocol';
import { EXIT_REASONS } from '../../electron/common/exitReasons';
import { HISTORY_LENGTH, latestRates, useTelemetryStore } from './telemetryStore';

function sample(seq: number, count: number): TelemetrySample {
  const counters = new Array<number>(EXIT_REASONS.length).fill(0);
  counters[0] = count;
  return { seq, tMs: seq * 100, vcpus: 1, counters, ports: [], mmio: [], backdoor: {}, kvm: {} };
}

describe('telemetryStore', () => {
  beforeEach(() => useTelemetryStore.getState().clear('vm'));

  it('needs two samples for a rate, then bumps version once per sample', () => {
    const v0 = useTelemetryStore.getState().version;
    useTelemetryStore.getState().push('vm', sample(1, 0));
    expect(latestRates('vm')).toBeUndefined();
    useTelemetryStore.getState().push('vm', sample(2, 50));
    expect(latestRates('vm')!.perVcpu[0]![0]).toBeCloseTo(500);
    expect(useTelemetryStore.getState().version).toBe(v0 + 2);
  });

  it('drops duplicated or reordered samples', () => {
    const s = useTelemetryStore.getState();
    s.push('vm', sample(1, 0));
    s.push('vm', sample(2, 10));
    const v = useTelemetryStore.getState().version;
    s.push('vm', sample(2, 99));
    s.push('vm', sample(1, 99));
    expect(useTelemetryStore.getState().version).toBe(v);
    expect(s.histories.get('vm')!.rates).toHaveLength(1);
  });

  it('keeps a bounded history', () => {
    const s = useTelemetryStore.getState();
    for (let i = 1; i <= HISTORY_LENGTH + 50; i++) s.push('vm', sample(i, i));
    expect(s.histories.get('vm')!.rates).toHaveLength(HISTORY_LENGTH);
  });

  it('notifies transient subscribers without any React', () => {
    let calls = 0;
    const off = useTelemetryStore.subscribe(() => calls++);
    useTelemetryStore.getState().push('vm', sample(1, 0));
    off();
    expect(calls).toBe(1);
  });
});
