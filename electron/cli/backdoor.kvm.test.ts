// The VMware backdoor on real KVM: a project guest plays open-vm-tools' conversations
// (version probe, RPCI info-set/info-get, TCLO, legacy clipboard, vmmouse) over both ports
// at CPL0 and CPL3 against the real VM host and its TypeScript tools services.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, runCli } from '../testing/runCli';

const kvm = kvmAvailable();

describe.runIf(kvm)('VMware backdoor on KVM', () => {
  it('the backdoor guest passes every phase through the real VM host', async () => {
    const r = await runCli(['run', '--kernel', path.join(GUESTS, 'backdoor.bin'), '--timeout', '120'], { timeoutMs: 150_000 });
    expect(r.stdout).not.toContain('FAIL');
    for (const phase of ['probe', 'rpci', 'tclo', 'clipboard', 'vmmouse', 'cpl3']) expect(r.stdout).toMatch(new RegExp(`${phase}\\b.*ok`));
    expect(r.stdout).toContain('PASS backdoor');
    expect(r.code).toBe(0);
  });
});
