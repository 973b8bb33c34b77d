// UI tier (fake VM host): the console screen end to end through the dev host.
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';

test.describe.configure({ mode: 'serial' });

test('serial output reaches xterm and typed keys come back as serial input', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('demo');
  await expect(app.consoleState()).toHaveText('running');
  await app.expectSerial(/booting Vireo demo/);
  await app.typeSerial('echo me');
  await app.expectSerial(/ready> echo me/);
  await expect(page.getByTestId('tools-status')).toContainText('Tools: running');
  await expect(page.getByTestId('guest-ips')).toHaveText('IP: 192.0.2.10');
  await app.screenshot('console');
});

test('the framebuffer canvas shows the guest pattern, scaled but pixel-exact in its backing store', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  await expect.poll(() => app.framebufferSize()).toEqual({ width: 320, height: 200 });
  await expect.poll(() => app.pixel(10, 100)).toEqual([255, 0, 0, 255]);
  expect(await app.pixel(100, 100)).toEqual([0, 255, 0, 255]);
  expect(await app.pixel(200, 100)).toEqual([0, 0, 255, 255]);
  expect(await app.pixel(300, 100)).toEqual([255, 255, 255, 255]);
  const box = (await page.getByTestId('framebuffer').boundingBox())!;
  expect(box.width / box.height).toBeCloseTo(320 / 200, 1);
});

test('input capture shows how to release it and Ctrl+Alt releases', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  const hint = page.getByTestId('capture-hint');
  await expect(hint).toContainText('Click the screen');
  await page.getByTestId('framebuffer').click();
  await expect(hint).toContainText('press and release Ctrl+Alt to release');
  // Ctrl+Alt+Del goes to the guest and keeps the capture (Workstation's rule: only a clean
  // Ctrl+Alt press-and-release releases).
  await page.keyboard.down('Control');
  await page.keyboard.down('Alt');
  await page.keyboard.press('Delete');
  await page.keyboard.up('Alt');
  await page.keyboard.up('Control');
  await app.expectSerial(/\[key ControlLeft down\]\[key AltLeft down\]\[key Delete down\]\[key Delete up\]\[key AltLeft up\]\[key ControlLeft up\]/);
  await expect(hint).toContainText('press and release Ctrl+Alt to release');
  await page.keyboard.down('Control');
  await page.keyboard.down('Alt');
  await page.keyboard.up('Alt');
  await page.keyboard.up('Control');
  await expect(hint).toContainText('Click the screen');
});

test('Send Ctrl+Alt+Del types the chord into the guest without capturing', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  await page.getByRole('button', { name: 'Send Ctrl+Alt+Del' }).click();
  await app.expectSerial(/\[key ControlLeft down\]\[key AltLeft down\]\[key Delete down\]\[key Delete up\]\[key AltLeft up\]\[key ControlLeft up\]/);
  await expect(page.getByTestId('capture-hint')).toContainText('Click the screen');
});

test('scaling modes: fit keeps the aspect ratio, 1:1 shows guest pixels, stretch fills; the choice is kept', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  await expect.poll(() => app.framebufferSize()).toEqual({ width: 320, height: 200 });
  const canvas = page.getByTestId('framebuffer');
  const display = (await page.getByTestId('display').boundingBox())!;
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  await page.getByRole('radio', { name: '1:1' }).click();
  await expect.poll(async () => (await canvas.boundingBox())!.width).toBeCloseTo(320 / dpr, 0);
  await page.getByRole('radio', { name: 'Stretch' }).click();
  await expect.poll(async () => Math.round((await canvas.boundingBox())!.width)).toBe(Math.floor(display.width));
  expect(Math.round((await canvas.boundingBox())!.height)).toBe(Math.floor(display.height));
  await page.reload();
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  await expect(page.getByRole('radio', { name: 'Stretch' })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('radio', { name: 'Fit' }).click();
  await expect.poll(async () => { const b = (await canvas.boundingBox())!; return Math.round((b.width / b.height) * 10) / 10; }).toBe(1.6);
});

test('full screen puts the guest screen alone on the screen', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  await page.getByRole('button', { name: 'Full screen' }).click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement?.className ?? '')).toBe('display-frame');
  await page.evaluate(() => document.exitFullscreen());
});

test('the exit statistics move ~10 times a second without re-rendering the page', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  await expect.poll(async () => (await app.exitTotal()).total).toBeGreaterThan(1000);
  const before = await app.exitTotal();
  const chartBefore = await app.canvasDigest('exit-chart-vcpu0');
  // Count React commits to the toolbar subtree: none may be caused by telemetry.
  const toolbarHtml = await page.getByTestId('toolbar').innerHTML();
  await page.waitForTimeout(1500);
  const after = await app.exitTotal();
  expect(after.samples - before.samples).toBeGreaterThanOrEqual(8);
  expect(await app.canvasDigest('exit-chart-vcpu0')).not.toBe(chartBefore);
  expect(await page.getByTestId('toolbar').innerHTML()).toBe(toolbarHtml);
  await expect(page.getByTestId('exit-stats')).toBeVisible();
  await app.screenshot('exit-stats');
});

test('pause, resume and power off go to the VM host and come back as state', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByTestId('vm-demo').getByRole('button', { name: 'Console' }).click();
  await app.power('Pause');
  await expect(app.consoleState()).toHaveText('paused');
  await app.power('Resume');
  await expect(app.consoleState()).toHaveText('running');
  await app.power('Power off');
  await expect(app.consoleState()).toHaveText('stopped (poweroff)');
  await page.getByRole('button', { name: 'Vireo' }).click();
  await expect(app.vmRow('demo').getByTestId('vm-state')).toHaveText('stopped');
});

test('a VM with two vCPUs gets one exit chart per vCPU', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('two-vcpus');
  await expect(page.getByTestId('exit-chart-vcpu1')).toBeVisible();
  await expect.poll(async () => (await app.exitTotal()).total).toBeGreaterThan(1000);
  await app.power('Power off');
  await expect(app.consoleState()).toContainText('stopped');
});

test('a VM started from the library shows its screen (frames are asked for once the host runs)', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('demo');
  await expect.poll(() => app.framebufferSize()).toEqual({ width: 320, height: 200 });
  await expect.poll(() => app.pixel(10, 100)).toEqual([255, 0, 0, 255]);
  await app.power('Power off');
  await expect(app.consoleState()).toContainText('stopped');
});

test('guest variables are listed and a new one set from the console reaches the VM host', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('demo');
  await expect(app.consoleState()).toHaveText('running');
  const panel = page.getByTestId('guestinfo');
  await panel.locator('summary').click();
  await expect(panel.getByTestId('guestinfo-entry')).toHaveText(['guestinfo.fake.osFake OS 1.0']);
  await panel.getByLabel('guestinfo key').fill('guestinfo.color');
  await panel.getByLabel('guestinfo value').fill('blue');
  await panel.getByRole('button', { name: 'Set' }).click();
  await expect(panel.getByTestId('guestinfo-entry')).toHaveText(['guestinfo.colorblue', 'guestinfo.fake.osFake OS 1.0']);
  await expect(panel.locator('summary')).toHaveText('Guest variables (2)');
  await app.power('Power off');
  await expect(app.consoleState()).toHaveText('stopped (poweroff)');
});

test('the VM log panel shows the end of vmware.log from the VM host', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('demo');
  await expect(app.consoleState()).toHaveText('running');
  const panel = page.getByTestId('vm-log');
  await panel.locator('summary').click();
  await expect(panel.locator('summary')).toHaveText('VM log — /fake/Demo/vmware.log');
  await expect(panel.getByTestId('vm-log-lines')).toContainText('In(05) vcpu-0 - Guest: toolbox: Version: 12.4.0');
  await app.power('Power off');
  await expect(app.consoleState()).toHaveText('stopped (poweroff)');
});

test('power off and reset ask first; Cancel leaves the VM running', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('demo');
  await expect(app.consoleState()).toHaveText('running');
  await page.getByTestId('toolbar').getByRole('button', { name: 'Power off', exact: true }).click();
  await expect(page.getByRole('alertdialog')).toContainText('Like pulling the plug');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await page.getByTestId('toolbar').getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.getByRole('alertdialog')).toContainText('reset button');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(app.consoleState()).toHaveText('running');
  await app.power('Power off');
  await expect(app.consoleState()).toHaveText('stopped (poweroff)');
});
