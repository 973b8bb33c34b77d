// UI tier (fake VM host): host clipboard → guest. In the browser the page's clipboard is
// the host clipboard (the dev host has none); in Electron main brokers the system one.
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';

test('host clipboard text reaches the guest, and only while paste is allowed', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('demo');
  await app.expectSerial(/ready>/);
  await page.evaluate(() => navigator.clipboard.writeText('copied on the host'));
  await page.getByRole('button', { name: 'Send clipboard' }).click();
  await app.expectSerial(/\[clipboard from host\] copied on the host/);

  await page.getByLabel('Host → guest clipboard').uncheck();
  await expect(page.getByRole('button', { name: 'Send clipboard' })).toBeDisabled();
  await app.power('Power off');
  await expect(app.consoleState()).toContainText('stopped');
});
