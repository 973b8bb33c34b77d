// kvm tier: the exit statistics come from the real vCPU counters and the charts move.
//  * exit_storm (native/guests): 60000 `out 0x80`, 20000 `in 0x80`, 20000 MMIO reads of
//    0xfed00000, about 2 s here; the busiest port must be the POST port 0x80.
//  * Debian's SeaBIOS with no disk: POST, "No bootable device", then idles on timer
//    interrupts until powered off (a long-lived real guest).
import * as fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';
import { missingForKvm, skipUnless } from '../support/realHost';

const SEABIOS = '/usr/share/seabios/bios-256k.bin';

test('the exit storm guest drives the exit chart and tops the port list with 0x80', async ({ page }) => {
  skipUnless('exit storm', missingForKvm('exit_storm.bin'), test.skip);
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('guest-exit_storm');
  const emptyChart = await app.canvasDigest('exit-chart-vcpu0');
  await expect.poll(async () => (await app.exitTotal()).total, { timeout: 60_000, intervals: [100] }).toBeGreaterThan(1000);
  await expect(page.getByTestId('exit-bars-ports')).toHaveAttribute('aria-label', /Busiest I\/O ports: post-code 0080h/);
  expect(await app.canvasDigest('exit-chart-vcpu0')).not.toBe(emptyChart);
  await app.expectSerial(/PASS exit_storm/, 60_000);
  await app.screenshot('kvm-exit-storm');
});

test('a long-running real guest (SeaBIOS, no disk) keeps the charts moving at ~10 Hz', async ({ page }) => {
  const missing = missingForKvm();
  if (!fs.existsSync(SEABIOS)) missing.push(`${SEABIOS} (apt-get install seabios)`);
  skipUnless('exits/seabios', missing, test.skip);
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('seabios');
  await app.expectSerial(/SeaBIOS/, 60_000);
  await expect.poll(async () => (await app.exitTotal()).samples, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
  const first = await app.exitTotal();
  const chart = await app.canvasDigest('exit-chart-vcpu0');
  await page.waitForTimeout(1500);
  expect((await app.exitTotal()).samples - first.samples).toBeGreaterThanOrEqual(8);
  expect(await app.canvasDigest('exit-chart-vcpu0')).not.toBe(chart);
  await app.screenshot('kvm-seabios');
  await app.power('Power off');
  await expect(app.consoleState()).toContainText('stopped', { timeout: 30_000 });
});
