// The `--stats` table printed when a run ends: exits per vCPU and reason, the busiest
// ports and MMIO ranges, and the KVM counters that moved.
import { EXIT_REASONS } from '../common/exitReasons';
import type { BusRangeSample, TelemetrySample } from '../common/protocol';

function hex(n: number): string {
  return '0x' + n.toString(16);
}

export function formatStats(s: TelemetrySample, seconds: number): string {
  const lines: string[] = [];
  lines.push(`exit statistics after ${seconds.toFixed(2)} s`);
  for (let cpu = 0; cpu < s.vcpus; cpu++) {
    const row = s.counters.slice(cpu * EXIT_REASONS.length, (cpu + 1) * EXIT_REASONS.length);
    const total = row.reduce((a, b) => a + b, 0);
    lines.push(`  vcpu${cpu}: ${total} exits`);
    row.forEach((n, r) => {
      if (n) lines.push(`    ${EXIT_REASONS[r].padEnd(16)} ${String(n).padStart(12)}`);
    });
  }
  const busiest = (title: string, ranges: BusRangeSample[]) => {
    const top = ranges.filter((r) => r.hits).sort((a, b) => b.hits - a.hits).slice(0, 8);
    if (!top.length) return;
    lines.push(`  busiest ${title}:`);
    for (const r of top) lines.push(`    ${r.name.padEnd(16)} ${hex(r.base).padEnd(12)} ${String(r.hits).padStart(12)}`);
  };
  busiest('ports', s.ports);
  busiest('MMIO ranges', s.mmio);
  const kvm = Object.entries(s.kvm).filter(([, v]) => v);
  if (kvm.length) {
    lines.push('  KVM statistics:');
    for (const [k, v] of kvm.sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`    ${k.padEnd(28)} ${String(v).padStart(12)}`);
  }
  (s.nics ?? []).forEach((n, i) =>
    lines.push(`  ethernet${i}: link ${n.link ? 'up' : 'down'}, rx ${n.rxFrames} frames ${n.rxBytes} bytes, ` +
      `tx ${n.txFrames} frames ${n.txBytes} bytes`),
  );
  return lines.join('\n');
}
