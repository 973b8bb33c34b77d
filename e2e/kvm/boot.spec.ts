// kvm tier: the real VM host on /dev/kvm boots a project guest from the library and its
// serial output appears in xterm (native/guests/CONTRACT.md: PASS line, exit via 0xF4).
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';
import { missingForKvm, skipUnless } from '../support/realHost';

test('a project guest boots on KVM and writes to the serial console', async ({ page }) => {
  skipUnless('boot', missingForKvm('hello.bin'), test.skip);
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('guest-hello');
  await app.expectSerial(/Hello from Vireo guest[\s\S]*PASS hello/, 60_000);
  // The guest ends through the debug-exit port: a power-off with code 0.
  await expect(app.consoleState()).toHaveText('stopped (poweroff)', { timeout: 30_000 });
  await app.screenshot('kvm-boot-hello');
});

test('without a built demo guest the demo VM says what to do and cannot be started', async ({ page }) => {
  // Only the demo guest's absence matters here (this case needs no KVM: the VM never starts).
  test.skip(!missingForKvm('demo.bin').some((m) => m.includes('demo.bin')), 'the demo guest is built: the demo specs cover it');
  const app = new VireoApp(page);
  await app.openLibrary();
  await expect(app.vmRow('demo').getByTestId('vm-problem')).toContainText('npm run build:guests');
  await expect(app.vmRow('demo').getByRole('button', { name: 'Start' })).toBeDisabled();
});
