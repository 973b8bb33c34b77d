// kvm tier: the nested-virtualization toggles show exactly what the real VM host reports
// for this machine (supported → enabled, unsupported → disabled with the host's reason).
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';
import { missingForKvm, realCapabilities, skipUnless } from '../support/realHost';

test('nested toggles reflect the real host capabilities', async ({ page }) => {
  skipUnless('capabilities', missingForKvm(), test.skip);
  const caps = await realCapabilities();
  const app = new VireoApp(page);
  await app.openLibrary();
  await page.getByRole('button', { name: 'New VM…' }).click();
  for (const [key, toggle] of Object.entries(caps.nested)) {
    const row = page.getByTestId(`nested-${key}`);
    await expect(row).toHaveAttribute('data-supported', String(toggle.supported));
    if (toggle.supported) await expect(row.locator('input')).toBeEnabled();
    else {
      await expect(row.locator('input')).toBeDisabled();
      await expect(row).toContainText(toggle.reason ?? '');
    }
  }
  await app.screenshot('kvm-nested-toggles');
});
