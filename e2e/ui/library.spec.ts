// UI tier (fake VM host, see playwright.config.ts): library, editor, nested toggles.
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';

test('the library lists the built-in demo VM and the seeded one', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await expect(app.vmRow('demo')).toContainText('Vireo demo');
  await expect(app.vmRow('demo')).toContainText('built-in demo');
  await expect(app.vmRow('two-vcpus')).toContainText('2 vCPU');
  await expect(page.getByTestId('transport')).toHaveText('browser dev host');
  await app.screenshot('library');
});

test('a VM created in the editor appears in the library; bad input is explained', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByRole('button', { name: 'New VM…' }).click();
  await page.locator('input[name=name]').fill('Editor test VM');
  await page.locator('input[name=memoryMiB]').fill('48');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('needs a kernel');
  await page.locator('input[name=kernel]').fill('/guests/tiny.bin');
  await app.screenshot('editor');
  await page.getByRole('button', { name: 'Save' }).click();
  const row = page.locator('.vm-row', { hasText: 'Editor test VM' });
  await expect(row).toContainText('48 MiB');
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(row).toHaveCount(0);
});

test('nested toggles follow the host capabilities: enabled where supported, otherwise disabled with the reason', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByRole('button', { name: 'New VM…' }).click();
  const expose = page.getByTestId('nested-exposeVirtualization');
  const cpl3 = page.getByTestId('nested-backdoorFromCpl3');
  await expect(expose).toHaveAttribute('data-supported', 'false');
  await expect(expose.locator('input')).toBeDisabled();
  await expect(expose).toContainText('fake host: no VMX/SVM exposed');
  await expect(cpl3).toHaveAttribute('data-supported', 'true');
  await expect(cpl3.locator('input')).toBeEnabled();
  await app.screenshot('nested-toggles');
});
