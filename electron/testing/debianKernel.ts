// The Debian kernel the Linux tests boot (linux-image-cloud-amd64, installed by .ci/run).
import * as fs from 'node:fs';
import * as path from 'node:path';

export function debianKernel(): string | undefined {
  const boot = '/boot';
  if (!fs.existsSync(boot)) return undefined;
  const k = fs.readdirSync(boot).filter((f) => /^vmlinuz-.*-cloud-amd64$/.test(f)).sort().pop();
  return k ? path.join(boot, k) : undefined;
}

/** True when this host's KVM is kvm_pvm, which emulates every guest instruction. */
export function hostEmulatesEveryInstruction(): boolean {
  return fs.existsSync('/sys/module/kvm_pvm');
}
