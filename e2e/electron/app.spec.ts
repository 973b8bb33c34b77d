// Real-Electron tier: Playwright `_electron` drives the built app (out/electron/main) the
// way a user runs it. It needs an Electron binary; where there is none (this build
// machine: the binary comes from GitHub) every test is skipped with one loud line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { electronBinary } from '../support/electronBinary';
import { VireoApp } from '../support/vireoApp';
import { REPO } from '../support/realHost';

const found = electronBinary(REPO);
if (!found.bin) console.warn(`\n*** SKIPPED e2e/electron: no Electron binary (${found.reason}) ***\n`);
test.skip(!found.bin, `SKIPPED e2e/electron: no Electron binary (${found.reason})`);
test.describe.configure({ mode: 'serial' });

let app: ElectronApplication;
let page: Page;
let home: string;
let vmx: string;

test.beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-electron-e2e-'));
  vmx = path.join(home, 'Legacy Box.vmx');
  fs.writeFileSync(vmx, '.encoding = "UTF-8"\nconfig.version = "8"\ndisplayName = "Legacy Box"\nmemsize = "64"\nnumvcpus = "1"\n');
  app = await electron.launch({
    executablePath: found.bin,
    args: [REPO, vmx],
    env: { ...process.env, XDG_CONFIG_HOME: home, VIREO_TEST_HOOKS: '1' },
  });
  page = await app.firstWindow();
});

test.afterAll(async () => {
  await app?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

test('a .vmx given on the command line opens in the library', async () => {
  await expect(page.locator('.vm-row', { hasText: 'Legacy Box' })).toBeVisible();
  await expect(page.getByTestId('transport')).toHaveText('desktop');
});

test('the window is sandboxed: no Node, CSP, navigation denied', async () => {
  expect(await page.evaluate(() => [typeof (window as unknown as { require?: unknown }).require, typeof (window as unknown as { process?: unknown }).process])).toEqual(['undefined', 'undefined']);
  expect(await page.evaluate(() => Object.keys((window as unknown as { vireo: object }).vireo).sort())).toEqual(['connectVm', 'onEvent', 'request']);
  // script-src 'self' without 'unsafe-eval': eval is refused.
  expect(await page.evaluate(() => { try { return String((0, eval)('1 + 1')); } catch { return 'blocked'; } })).toBe('blocked');
  await page.evaluate(() => {
    location.href = 'https://example.com/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toMatch(/^app:\/\/vireo\//);
});

test('IPC from a subframe is refused by the gate', async () => {
  const result = await page.evaluate(async () => {
    const f = document.createElement('iframe');
    f.srcdoc = '<p>frame</p>';
    document.body.appendChild(f);
    await new Promise((r) => f.addEventListener('load', r));
    return typeof (f.contentWindow as unknown as { vireo?: unknown }).vireo;
  });
  expect(result).toBe('undefined');
});

interface TestHooks {
  trayLabels(): string[];
  liveVms(): number;
}
const hooks = <T>(fn: (h: TestHooks) => T) => app.evaluate((_e, f) => (0, eval)(f)((globalThis as unknown as { __vireoTest: TestHooks }).__vireoTest), fn.toString()) as Promise<T>;

test('the demo VM starts from the library, shows in the tray and keeps running with its window closed', async () => {
  const ui = new VireoApp(page);
  await ui.startVm('demo');
  await expect(ui.consoleState()).toHaveText('running', { timeout: 60_000 });
  await expect.poll(() => hooks((h) => h.trayLabels())).toContain('Vireo demo — running');
  expect(await hooks((h) => h.trayLabels())).toContain('Legacy Box — powered off');
  await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
  await expect.poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(0);
  // Main and the VM host live on without a window.
  expect(await hooks((h) => h.liveVms())).toBe(1);
});
