// UI tier: a VM opened from a Workstation-shaped .vmx (e2e/support/serve.js copies
// electron/vmfiles/fixtures/ws17-ubuntu.vmx into the dev host's data folder). The library
// says what Vireo does not emulate; the editor's changes land in the .vmx as VMware keys,
// every other line as it was; a change while the VM runs applies at the next power on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';

test.describe.configure({ mode: 'serial' });

/** Lines only in `before` and lines only in `after` (the .vmx line diff). */
function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
}

async function openSettings(page: Page, app: VireoApp): Promise<string> {
  await app.vmRow('ubuntu-vmx').getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('vmx-editor')).toBeVisible();
  return (await page.getByTestId('vmx-path').innerText()).trim();
}

test('the library names what the .vmx has that Vireo does not emulate yet', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  const row = app.vmRow('ubuntu-vmx');
  await expect(row).toContainText('Ubuntu 64-bit');
  await expect(row).toContainText('4 vCPU · 8192 MiB');
  await expect(row.getByTestId('vm-notice')).toHaveText([
    'not supported yet: SCSI controller scsi0 ("lsilogic"); the VM starts without scsi0:0 (disk "Ubuntu 64-bit.vmdk")',
    'not supported yet: a sound card (sound.present, "es1371")',
    'not supported yet: USB controllers (usb.present, ehci.present)',
  ]);
});

test('settings changed in the editor are in the .vmx afterwards, VMware keys untouched', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  const vmx = await openSettings(page, app);
  const before = fs.readFileSync(vmx, 'utf8');
  await expect(page.getByTestId('vmx-notices')).toContainText('SCSI controller scsi0');
  await page.locator('input[name=memoryMiB]').fill('2048');
  await page.locator('input[name=cpus]').fill('2');
  // The SCSI disk Vireo cannot use goes; a new 1 GiB SATA disk takes its place.
  await page.getByRole('button', { name: 'Remove scsi0:0' }).click();
  await page.locator('select[name=addBus]').selectOption('sata');
  await page.locator('select[name=addWhat]').selectOption('new-disk');
  await page.locator('input[name=addValue]').fill('1');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByTestId('drive-sata0:0')).toContainText('new disk, 1 GiB');
  await page.locator('select[name=nicModel]').selectOption('e1000');
  await page.locator('input[name=pasteAllowed]').check();
  // This fake host cannot nest: the toggle is disabled and vhv.enable stays as it was.
  await expect(page.getByTestId('nested-exposeVirtualization').locator('input')).toBeDisabled();
  await app.screenshot('vmx-editor');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('library')).toBeVisible();

  const after = fs.readFileSync(vmx, 'utf8');
  expect(lineDiff(before, after)).toEqual({
    removed: [
      'numvcpus = "4"',
      'memsize = "8192"',
      'scsi0:0.fileName = "Ubuntu 64-bit.vmdk"',
      'scsi0:0.present = "TRUE"',
      'ethernet0.virtualDev = "vmxnet3"',
      'scsi0:0.redo = ""',
      'isolation.tools.paste.disable = "TRUE"',
    ],
    added: [
      'numvcpus = "2"',
      'memsize = "2048"',
      'ethernet0.virtualDev = "e1000"',
      'isolation.tools.paste.disable = "FALSE"',
      'sata0:0.present = "TRUE"',
      'sata0:0.fileName = "Ubuntu 64-bit-0.vmdk"',
    ],
  });
  expect(after).toContain('vhv.enable = "TRUE"\n');
  expect(fs.statSync(path.join(path.dirname(vmx), 'Ubuntu 64-bit-0.vmdk')).isFile()).toBe(true);
  const row = app.vmRow('ubuntu-vmx');
  await expect(row).toContainText('2 vCPU · 2048 MiB');
  await expect(row.getByTestId('vm-notice').first()).toHaveText('not supported yet: a sound card (sound.present, "es1371")');
});

test('while the VM runs, a change is written to the .vmx and marked "applies at next power on"', async ({ page }) => {
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('ubuntu-vmx');
  await expect(app.consoleState()).toHaveText(/running/);
  await page.getByRole('button', { name: 'Vireo' }).click();
  const vmx = await openSettings(page, app);
  await expect(page.getByTestId('applies-next-power-on')).toBeVisible();
  await page.locator('input[name=memoryMiB]').fill('1024');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(app.vmRow('ubuntu-vmx').getByTestId('vm-pending')).toHaveText('Settings changed: they apply at the next power on.');
  expect(fs.readFileSync(vmx, 'utf8')).toContain('\nmemsize = "1024"\n');
  await app.vmRow('ubuntu-vmx').getByRole('button', { name: 'Console' }).click();
  await app.power('Power off');
  await expect(app.consoleState()).toHaveText(/stopped/);
});
