// `vireo host`: what this host's KVM offers Vireo, each missing piece with what it breaks
// and the remedy. Asks a VM host (the only process that loads native code).
import { fork } from 'node:child_process';
import * as path from 'node:path';

import type { HostCapabilities, HostEvent, Toggle } from '../common/protocol';

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
  const child = fork(path.join(__dirname, '../vmhost/vmHostMain.js'), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    child.on('message', (m) => {
      const event = m as HostEvent;
      if (event.kind !== 'hello') return;
      process.stdout.write(describeHost(event.capabilities) + '\n');
      child.disconnect();
      resolve(event.capabilities.kvm ? 0 : 2);
    });
    child.on('exit', (code) => resolve(code === 0 ? 0 : 2));
  });
}
