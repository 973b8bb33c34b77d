// High-frequency state (~10 Hz per VM): the last raw sample and a ring of computed rates
// per VM. Components do NOT select from this store in render; charts subscribe
// transiently (useTelemetryStore.subscribe) and redraw on requestAnimationFrame, so a
// sample never re-renders the page (zustand README, "Transient updates").
import { create } from 'zustand';
import type { TelemetrySample } from '../../electron/common/protocol';
import { computeRates, type ExitRates } from '../features/exits/rates';

/** 60 s of history at 10 Hz. */
export const HISTORY_LENGTH = 600;

export interface TelemetryHistory {
  last: TelemetrySample | null;
  rates: ExitRates[];
}

interface TelemetryState {
  /** Bumped on every accepted sample; the only field that changes identity. */
  version: number;
  histories: Map<string, TelemetryHistory>;
  push(vmId: string, sample: TelemetrySample): void;
  clear(vmId: string): void;
}

export const useTelemetryStore = create<TelemetryState>((set, get) => ({
  version: 0,
  histories: new Map(),
  push(vmId, sample) {
    const { histories } = get();
    let h = histories.get(vmId);
    if (!h) {
      h = { last: null, rates: [] };
      histories.set(vmId, h);
    }
    // Samples are ordered by seq; an old one (reordered or duplicated) is ignored.
    if (h.last && sample.seq <= h.last.seq) return;
    const r = h.last ? computeRates(h.last, sample) : null;
    h.last = sample;
    if (r) {
      h.rates.push(r);
      if (h.rates.length > HISTORY_LENGTH) h.rates.splice(0, h.rates.length - HISTORY_LENGTH);
    }
    set({ version: get().version + 1 });
  },
  clear(vmId) {
    get().histories.delete(vmId);
    set({ version: get().version + 1 });
  },
}));

export function latestRates(vmId: string): ExitRates | undefined {
  const h = useTelemetryStore.getState().histories.get(vmId);
  return h?.rates[h.rates.length - 1];
}
