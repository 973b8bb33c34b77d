// kvm tier: while a guest runs, the exit statistics come from the real vCPU counters and
// the charts move. The guest is the exit-storm guest when it is built; until then Debian's
// SeaBIOS with no disk, which POSTs, reports no boot device and then idles on timer
// interrupts (a steady trickle of port I/O exits) until it is powered off.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';
import { GUESTS, missingForKvm, skipUnless } from '../support/realHost';

const storm = fs.existsSync(path.join(GUESTS, 'exitstorm.bin'));
const vmId = storm ? 'guest-exitstorm' : 'seabios';

test(`the exit chart moves while a real guest runs (${vmId})`, async ({ page }) => {
  const missing = missingForKvm();
  if (!storm && !fs.existsSync('/usr/share/seabios/bios-256k.bin')) missing.push('/usr/share/seabios/bios-256k.bin (apt-get install seabios)');
  skipUnless('exits', missing, test.skip);
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm(vmId);
  const emptyChart = await app.canvasDigest('exit-chart-vcpu0');
  await expect.poll(async () => (await app.exitTotal()).samples, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
  await expect.poll(async () => (await app.exitTotal()).total, { timeout: 60_000 }).toBeGreaterThan(0);
  const first = await app.exitTotal();
  await page.waitForTimeout(1500);
  const later = await app.exitTotal();
  expect(later.samples - first.samples).toBeGreaterThanOrEqual(8);
  expect(await app.canvasDigest('exit-chart-vcpu0')).not.toBe(emptyChart);
  await expect(page.getByTestId('exit-bars-ports')).toBeVisible();
  if (!storm) await app.expectSerial(/SeaBIOS/, 60_000);
  await app.screenshot(`kvm-exits-${vmId}`);
  await app.power('Power off');
  await expect(app.consoleState()).toContainText('stopped', { timeout: 30_000 });
});
