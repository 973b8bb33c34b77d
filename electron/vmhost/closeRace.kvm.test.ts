// Closing a VM while its guest is in the middle of a GuestRPC call frees nothing that a
// queued or running callback still uses. Each child process runs VMs of the backdoor
// guest (it makes RPCs from its first instructions) and closes each one from inside its
// GuestRPC callback, then returns a reply; MALLOC_PERTURB_ fills freed memory so a use
// after free crashes. Before the fix the child aborted in 3 of 3 runs (std::system_error
// from a mutex in the freed RpcRelay); a reply after a close inside the callback was the
// second way in.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS } from '../testing/runCli';
import { nativeModulePath } from './native';

const kvm = kvmAvailable();
const VMS = 20;

// Plain Node, no test runner: a crash must end only this process. A running VM does not
// keep the event loop alive, so the interval does until every VM is closed.
const CHILD = `
const native = require(process.argv[1]);
const guest = process.argv[2];
let left = Number(process.argv[3]);
const keepAlive = setInterval(() => undefined, 1000);
function next() {
  if (left-- === 0) { console.log('closed all'); clearInterval(keepAlive); return; }
  const vm = new native.Vm({ memoryBytes: 32 << 20, cpus: 1, kernel: guest });
  let closed = false;
  vm.onGuestRpc(() => {
    if (!closed) { closed = true; vm.close(); setImmediate(next); }
    return '1 ';
  });
  vm.start(() => undefined);
}
next();
setTimeout(() => { console.log('timeout, left ' + left); process.exit(3); }, 240000).unref();
`;

describe.runIf(kvm)('VM close during a GuestRPC call (KVM)', () => {
  it(`${VMS} VMs closed from inside their GuestRPC callback: no crash with MALLOC_PERTURB_`, () => {
    const r = spawnSync(process.execPath, ['-e', CHILD, nativeModulePath(), path.join(GUESTS, 'backdoor.bin'), String(VMS)], {
      env: { ...process.env, MALLOC_PERTURB_: '165' },
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.stdout).toContain('closed all');
    expect(r.status).toBe(0);
  }, 320_000);
});
