// `vireo host` tells what this host's KVM offers, with what breaks and the remedy.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const backdoorParam = fs.existsSync('/sys/module/kvm/parameters/enable_vmware_backdoor')
  ? fs.readFileSync('/sys/module/kvm/parameters/enable_vmware_backdoor', 'utf8').trim()
  : '';

describe.runIf(kvm)('vireo host', () => {
  it('reports KVM and the backdoor module parameter as this host has them', async () => {
    const r = await runCli(['host']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('KVM: available');
    if (backdoorParam === 'N')
      expect(r.stdout).toContain('kvm.enable_vmware_backdoor=N: VMware Tools in guest user mode (vmtoolsd) fault on the backdoor port; remedy: options kvm enable_vmware_backdoor=1');
    else expect(r.stdout).toMatch(/VMware Tools backdoor from guest user mode \(vmtoolsd\): yes/);
  });

  it('says KVM is missing, with the remedy, and exits 2', async () => {
    const r = await runCli(['host'], { env: { VIREO_KVM_DEVICE: '/dev/nonexistent-kvm' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/KVM: not available: \/dev\/nonexistent-kvm does not exist/);
  });
});
