// kvm tier, demo guest (native/guests/build/demo.bin, from the guests/backdoor work): the
// built-in library entry boots with no setup, echoes serial input, draws on SVGA and runs a
// small tools agent. Its expected behaviour, which these specs pin down:
//   * serial: prints "Vireo demo" then echoes every byte it receives on COM1;
//   * display: an SVGA mode with a pattern whose top-left pixel is not black;
//   * tools: reports state running, and prints "clipboard: <text>" when the host
//     clipboard arrives through the backdoor.
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';
import { missingForKvm, skipUnless } from '../support/realHost';

test.describe.configure({ mode: 'serial' });

test.beforeEach(() => {
  skipUnless('demo guest', missingForKvm('demo.bin'), test.skip);
});

test('the demo VM boots on first start, echoes typed keys and draws on the framebuffer', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('demo');
  await app.expectSerial(/Vireo demo/, 120_000);
  await app.typeSerial('ping');
  await app.expectSerial(/ping/);
  // A canvas that never drew keeps its default 300x150 backing store: wait for a drawn frame.
  await expect(page.getByTestId('framebuffer')).toHaveAttribute('data-frame-version', /^[1-9]\d*$/, { timeout: 60_000 });
  await expect.poll(async () => (await app.pixel(0, 0)).slice(0, 3).some((c) => c > 0), { timeout: 60_000 }).toBe(true);
  await app.screenshot('kvm-demo-console');
});

test('the host clipboard reaches the demo guest through the tools agent', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  await expect(page.getByTestId('tools-status')).toContainText('Tools: running', { timeout: 120_000 });
  await page.evaluate(() => navigator.clipboard.writeText('vireo clipboard e2e'));
  await page.getByRole('button', { name: 'Send clipboard' }).click();
  await app.expectSerial(/clipboard: vireo clipboard e2e/, 60_000);
  await app.power('Power off');
  await expect(app.consoleState()).toContainText('stopped');
});
