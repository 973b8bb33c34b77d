// The 10 Hz sampler: pulls cumulative counters from the native VM (a synchronous read of
// relaxed atomics) and shapes them as a TelemetrySample. Rates are the receiver's job.
import { EXIT_REASONS } from '../common/exitReasons';
import type { TelemetrySample } from '../common/protocol';
import type { NativeVm } from './native';

export class TelemetrySampler {
  private seq = 0;
  private readonly counters: Float64Array;
  private readonly t0 = performance.now();

  constructor(private readonly vm: NativeVm, private readonly backdoorStats: () => Record<string, number> = () => ({})) {
    this.counters = new Float64Array(vm.cpus * EXIT_REASONS.length);
  }

  sample(): TelemetrySample {
    this.vm.readExitCounters(this.counters);
    const bus = this.vm.busStats();
    return {
      seq: this.seq++,
      tMs: performance.now() - this.t0,
      vcpus: this.vm.cpus,
      counters: Array.from(this.counters),
      ports: bus.ports,
      mmio: bus.mmio,
      backdoor: this.backdoorStats(),
      kvm: this.vm.kvmStats(),
      nics: this.vm.netStats(),
    };
  }
}
