// Exit-rate arithmetic. Samples carry CUMULATIVE counters (protocol.ts TelemetrySample),
// so a rate is (cur - prev) / dt and a dropped or late sample only widens dt. A counter
// that went backwards (host restarted) gives rate 0 instead of a negative spike.
import type { BusRangeSample, TelemetrySample } from '../../../electron/common/protocol';
import { EXIT_REASONS } from '../../../electron/common/exitReasons';

export interface NamedRate {
  name: string;
  rate: number;
}

export interface ExitRates {
  tMs: number;
  /** perVcpu[v][r]: exits per second of EXIT_REASONS[r] on vCPU v. */
  perVcpu: number[][];
  /** Sum over every vCPU and reason. */
  total: number;
  ports: NamedRate[];
  mmio: NamedRate[];
  backdoor: NamedRate[];
  kvm: NamedRate[];
  /** Per network adapter (ethernet<index>): frames and bytes per second, and the link. */
  nics: NicRates[];
}

export interface NicRates {
  rxFrames: number;
  txFrames: number;
  rxBytes: number;
  txBytes: number;
  link: boolean;
}

const REASONS = EXIT_REASONS.length;

function perSecond(cur: number, prev: number, dtSec: number): number {
  const d = cur - prev;
  return Number.isFinite(d) && d > 0 ? d / dtSec : 0;
}

function rangeKey(r: BusRangeSample): string {
  return `${r.name}@${r.base}`;
}

function rangeLabel(r: BusRangeSample, hexDigits: number): string {
  return `${r.name} ${r.base.toString(16).padStart(hexDigits, '0')}h`;
}

function rangeRates(cur: BusRangeSample[], prev: BusRangeSample[], dtSec: number, hexDigits: number): NamedRate[] {
  const before = new Map(prev.map((r) => [rangeKey(r), r.hits]));
  return cur
    .map((r) => ({ name: rangeLabel(r, hexDigits), rate: perSecond(r.hits, before.get(rangeKey(r)) ?? 0, dtSec) }))
    .sort((a, b) => b.rate - a.rate || a.name.localeCompare(b.name));
}

function recordRates(cur: Record<string, number>, prev: Record<string, number>, dtSec: number): NamedRate[] {
  return Object.keys(cur)
    .map((name) => ({ name, rate: perSecond(cur[name] ?? 0, prev[name] ?? 0, dtSec) }))
    .sort((a, b) => b.rate - a.rate || a.name.localeCompare(b.name));
}

/** Rates between two samples, or null when they cannot be compared (same or reversed time). */
export function computeRates(prev: TelemetrySample, cur: TelemetrySample): ExitRates | null {
  const dtSec = (cur.tMs - prev.tMs) / 1000;
  if (!(dtSec > 0)) return null;
  const vcpus = Math.max(0, Math.min(cur.vcpus, Math.floor(cur.counters.length / REASONS)));
  const perVcpu: number[][] = [];
  let total = 0;
  for (let v = 0; v < vcpus; v++) {
    const row: number[] = [];
    for (let r = 0; r < REASONS; r++) {
      const i = v * REASONS + r;
      const rate = perSecond(cur.counters[i] ?? 0, prev.counters[i] ?? 0, dtSec);
      row.push(rate);
      total += rate;
    }
    perVcpu.push(row);
  }
  return {
    tMs: cur.tMs,
    perVcpu,
    total,
    ports: rangeRates(cur.ports, prev.ports, dtSec, 4),
    mmio: rangeRates(cur.mmio, prev.mmio, dtSec, 8),
    backdoor: recordRates(cur.backdoor, prev.backdoor, dtSec),
    kvm: recordRates(cur.kvm, prev.kvm, dtSec),
    nics: (cur.nics ?? []).map((n, i) => {
      const p = prev.nics?.[i];
      return {
        rxFrames: perSecond(n.rxFrames, p?.rxFrames ?? 0, dtSec),
        txFrames: perSecond(n.txFrames, p?.txFrames ?? 0, dtSec),
        rxBytes: perSecond(n.rxBytes, p?.rxBytes ?? 0, dtSec),
        txBytes: perSecond(n.txBytes, p?.txBytes ?? 0, dtSec),
        link: n.link,
      };
    }),
  };
}

/** "ethernet0 link up: rx 120 pkt/s 64.2 kB/s, tx 80 pkt/s 5.1 kB/s" */
export function formatNic(index: number, n: NicRates): string {
  const kb = (b: number) => `${formatRate(b / 1000)} kB/s`;
  return `ethernet${index} link ${n.link ? 'up' : 'down'}: rx ${formatRate(n.rxFrames)} pkt/s ${kb(n.rxBytes)}, ` +
    `tx ${formatRate(n.txFrames)} pkt/s ${kb(n.txBytes)}`;
}

/** Compact number for axis labels: 950, 12.3k, 4.1M. */
export function formatRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n >= 10 ? String(Math.round(n)) : n.toFixed(1);
}
