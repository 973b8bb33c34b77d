// No silent skips: a KVM test runs when /dev/kvm exists; without it, it fails under
// VIREO_REQUIRE_KVM=1 (CI) and otherwise is skipped with its name and the reason printed.
import * as fs from 'node:fs';

export const KVM_DEVICE = process.env.VIREO_KVM_DEVICE ?? '/dev/kvm';

export function kvmAvailable(): boolean {
  const present = fs.existsSync(KVM_DEVICE);
  if (!present && process.env.VIREO_REQUIRE_KVM === '1') {
    throw new Error(`VIREO_REQUIRE_KVM=1 but ${KVM_DEVICE} does not exist: this host cannot run the KVM tests`);
  }
  return present;
}

export function skipReason(name: string, why: string): void {
  process.stderr.write(`SKIPPED ${name}: ${why}\n`);
}
