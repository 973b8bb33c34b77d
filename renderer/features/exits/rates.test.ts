import { describe, expect, it } from 'vitest';
import type { TelemetrySample } from '../../../electron/common/protocol';
import { EXIT_REASONS } from '../../../electron/common/exitReasons';
import { computeRates, formatNic, formatRate } from './rates';

const R = EXIT_REASONS.length;
const IO_OUT = EXIT_REASONS.indexOf('io-out');

function sample(seq: number, tMs: number, perVcpu: number[][], extra: Partial<TelemetrySample> = {}): TelemetrySample {
  return { seq, tMs, vcpus: perVcpu.length, counters: perVcpu.flat(), ports: [], mmio: [], backdoor: {}, kvm: {}, ...extra };
}

function row(ioOut: number): number[] {
  const r = new Array<number>(R).fill(0);
  r[IO_OUT] = ioOut;
  return r;
}

describe('computeRates', () => {
  it('turns cumulative counters into per-second rates per vCPU and reason', () => {
    const a = sample(1, 1000, [row(100), row(0)]);
    const b = sample(2, 1100, [row(600), row(50)]);
    const r = computeRates(a, b)!;
    expect(r.perVcpu[0]![IO_OUT]).toBeCloseTo(5000);
    expect(r.perVcpu[1]![IO_OUT]).toBeCloseTo(500);
    expect(r.total).toBeCloseTo(5500);
  });

  it('uses the real time between samples, so a dropped sample does not double the rate', () => {
    const r = computeRates(sample(1, 0, [row(0)]), sample(3, 200, [row(1000)]))!;
    expect(r.perVcpu[0]![IO_OUT]).toBeCloseTo(5000);
  });

  it('refuses samples without forward time', () => {
    expect(computeRates(sample(1, 500, [row(0)]), sample(2, 500, [row(10)]))).toBeNull();
    expect(computeRates(sample(1, 500, [row(0)]), sample(2, 400, [row(10)]))).toBeNull();
  });

  it('gives 0 for counters that went backwards (host restarted)', () => {
    const r = computeRates(sample(1, 0, [row(900)]), sample(2, 100, [row(10)]))!;
    expect(r.perVcpu[0]![IO_OUT]).toBe(0);
  });

  it('ignores a vcpus count larger than the counters array', () => {
    const b = { ...sample(2, 100, [row(10)]), vcpus: 64 };
    expect(computeRates(sample(1, 0, [row(0)]), b)!.perVcpu).toHaveLength(1);
  });

  it('ranks ports, MMIO regions, backdoor commands and KVM stats by rate', () => {
    const a = sample(1, 0, [row(0)], {
      ports: [{ name: 'uart', base: 0x3f8, length: 8, hits: 0 }, { name: 'backdoor', base: 0x5658, length: 1, hits: 0 }],
      mmio: [{ name: 'svga-fifo', base: 0xfe000000, length: 0x10000, hits: 5 }],
      backdoor: { GETVERSION: 1 },
      kvm: { exits: 10 },
    });
    const b = sample(2, 1000, [row(0)], {
      ports: [{ name: 'uart', base: 0x3f8, length: 8, hits: 10 }, { name: 'backdoor', base: 0x5658, length: 1, hits: 300 }],
      mmio: [{ name: 'svga-fifo', base: 0xfe000000, length: 0x10000, hits: 25 }],
      backdoor: { GETVERSION: 4, MESSAGE: 7 },
      kvm: { exits: 110 },
    });
    const r = computeRates(a, b)!;
    expect(r.ports.map((p) => p.name)).toEqual(['backdoor 5658h', 'uart 03f8h']);
    expect(r.ports[0]!.rate).toBe(300);
    expect(r.mmio[0]).toEqual({ name: 'svga-fifo fe000000h', rate: 20 });
    expect(r.backdoor).toEqual([{ name: 'MESSAGE', rate: 7 }, { name: 'GETVERSION', rate: 3 }]);
    expect(r.kvm).toEqual([{ name: 'exits', rate: 100 }]);
  });
});

describe('formatRate', () => {
  it('keeps labels short', () => {
    expect(formatRate(0.25)).toBe('0.3');
    expect(formatRate(950)).toBe('950');
    expect(formatRate(1234)).toBe('1.2k');
    expect(formatRate(45_600)).toBe('46k');
    expect(formatRate(4_100_000)).toBe('4.1M');
  });
});

describe('network adapter rates', () => {
  it('gives frames and bytes per second per adapter, and names the link state', () => {
    const nic = (rx: number, tx: number) => ({ rxFrames: rx, txFrames: tx, rxBytes: rx * 1000, txBytes: tx * 100, link: true });
    const r = computeRates(sample(1, 0, [row(0)], { nics: [nic(10, 5)] }), sample(2, 500, [row(0)], { nics: [nic(110, 55)] }))!;
    expect(r.nics[0]).toEqual({ rxFrames: 200, txFrames: 100, rxBytes: 200000, txBytes: 10000, link: true });
    expect(formatNic(0, r.nics[0]!)).toBe('ethernet0 link up: rx 200 pkt/s 200 kB/s, tx 100 pkt/s 10 kB/s');
  });

  it('is empty for a VM without adapters', () => {
    expect(computeRates(sample(1, 0, [row(0)]), sample(2, 100, [row(0)]))!.nics).toEqual([]);
  });
});
