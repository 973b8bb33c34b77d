// Time sync on real KVM: the timesync guest sets its CMOS clock one hour back, answers
// the host tools service's TCLO start-up conversation and steps its clock on
// `Time_Synchronize 1` (docs/vmware-backdoor.md §6). The guest's claims are checked against
// this test's own clock, taken before and after the run.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, runCli } from '../testing/runCli';

const kvm = kvmAvailable();
const HOUR = 3600;
/** Slack for whole-second truncation (RTC, printed values) on both sides. */
const SLACK = 2;

function seconds(line: RegExp, text: string): number[] {
  const m = line.exec(text);
  if (!m) throw new Error(`no line matching ${line} in:\n${text}`);
  return m.slice(1).map(Number);
}

describe.runIf(kvm)('VMware Tools time sync on KVM', () => {
  it('a guest clock one hour behind is stepped to host time by Time_Synchronize and written back to the RTC', async () => {
    const t0 = Date.now() / 1000;
    const r = await runCli(['run', '--kernel', path.join(GUESTS, 'timesync.bin'), '--timeout', '60'], { timeoutMs: 90_000 });
    const t1 = Date.now() / 1000;
    expect(r.stdout).not.toContain('FAIL');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PASS timesync');

    // The host's start-up conversation (toolsService.ts onReset) reached the guest in order.
    const commands = [...r.stdout.matchAll(/timesync: tclo <- (.*?)\r?\n/g)].map((m) => m[1]);
    expect(commands[0]).toBe('reset');
    expect(commands[1]).toBe('Capabilities_Register');
    expect(commands).toContain('Set_Option time.synchronize.tools.startup 1');
    expect(commands.at(-1)).toBe('Time_Synchronize 1');

    const [seeded, behind] = seconds(/timesync: RTC (\d+) set one hour back to (\d+)/, r.stdout);
    expect(seeded).toBeGreaterThanOrEqual(Math.floor(t0) - SLACK);
    expect(seeded).toBeLessThanOrEqual(t1 + SLACK);
    expect(seeded - behind).toBe(HOUR);

    const [before, claimedOffset, after] = seconds(/timesync: guest clock before sync (\d+) \(host-(\d+)\), after (\d+)/, r.stdout);
    expect(Math.abs(claimedOffset - HOUR)).toBeLessThanOrEqual(SLACK);
    // Against this test's clock: one hour behind before, on time after.
    expect(before).toBeGreaterThanOrEqual(t0 - HOUR - SLACK);
    expect(before).toBeLessThanOrEqual(t1 - HOUR + SLACK);
    expect(after).toBeGreaterThanOrEqual(t0 - SLACK);
    expect(after).toBeLessThanOrEqual(t1 + SLACK);

    const [rtc, clock, host] = seconds(/timesync: RTC reads back (\d+), guest clock (\d+), host (\d+)/, r.stdout);
    for (const v of [rtc, clock, host]) {
      expect(v).toBeGreaterThanOrEqual(t0 - SLACK);
      expect(v).toBeLessThanOrEqual(t1 + SLACK);
    }
    expect(Math.abs(rtc - clock)).toBeLessThanOrEqual(SLACK);
    process.stderr.write(
      `timesync: before ${before} (test clock ${t0.toFixed(1)}..${t1.toFixed(1)}), after ${after}, RTC read back ${rtc}\n`,
    );
  });
});
