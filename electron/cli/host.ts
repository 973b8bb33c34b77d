// `vireo host`: what this host's KVM offers Vireo, each missing piece with what it breaks
// and the remedy. Asks a VM host (the only process that loads native code).
import { childHostStarter } from '../app/childHost';
import { probeCapabilities } from '../app/vmRunner';
import type { HostCapabilities, Toggle } from '../common/protocol';

/** Loading the native addon takes well under a second; a host that says nothing for this
 *  long is stuck. */
const HELLO_TIMEOUT_MS = 60_000;

export function describeHost(c: HostCapabilities): string {
  const lines = [`KVM: ${c.kvm ? 'available' : `not available: ${c.kvmError?.message ?? 'unknown reason'}`}`];
  const toggle = (name: string, t: Toggle) =>
    lines.push(`${name}: ${t.supported ? (t.enabled ? 'yes' : 'supported') : 'no'}${t.reason ? ` (${t.reason})` : ''}`);
  toggle('VMware Tools backdoor from guest user mode (vmtoolsd)', c.nested.backdoorFromCpl3);
  toggle('nested virtualization (VMX/SVM for the guest)', c.nested.exposeVirtualization);
  toggle('L0 answers backdoor calls from L2', c.nested.l0HandlesL2Backdoor);
  return lines.join('\n');
}

export function hostCommand(): Promise<number> {
  return probeCapabilities(childHostStarter(), HELLO_TIMEOUT_MS).then(
    (capabilities) => {
      process.stdout.write(describeHost(capabilities) + '\n');
      return capabilities.kvm ? 0 : 2;
    },
    (err: Error) => {
      process.stderr.write(`vireo: ${err.message}\n`);
      return 2;
    },
  );
}
