// Closing a VM while its guest is in the middle of a GuestRPC call frees nothing that a
// queued or running callback still uses. The child process runs VMs of the backdoor guest
// (it makes RPCs from its first instructions) and closes each one from inside its GuestRPC
// callback, then returns a reply (the reply used to be written into the freed relay);
// MALLOC_PERTURB_ fills freed memory so a use after free is likely to crash. A regression
// guard: on this host the old addon survived this phase too (its crash came at process
// exit, dispatching queued calls while Node tore the environment down: a fatal napi_throw,
// fixed with js_env.h), so the freed-relay write is shown by reading, not by this test.
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
