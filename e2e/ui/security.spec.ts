// The renderer is a plain sandboxed page: no Node, a strict CSP, and a dev host socket
// that only its own pages may use. (Electron-only checks — navigation denied, IPC from a
// foreign frame refused — are in electron/main/*.test.ts and e2e/electron/.)
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { E2E_TOKEN, FAKE_PORT } from '../support/ports';

test('the page has no require, process or Electron bridge', async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}`);
  const globals = await page.evaluate(() => ({
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    module: typeof (window as unknown as { module?: unknown }).module,
    vireo: typeof (window as unknown as { vireo?: unknown }).vireo,
  }));
  expect(globals).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', vireo: 'undefined' });
});

test('a strict CSP is sent and enforced: inline script does not run', async ({ page }) => {
  const response = await page.goto(`/?token=${E2E_TOKEN}`);
  expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
  const violations: string[] = [];
  page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.appendChild(s);
  });
  expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
  expect(violations.join('\n')).toMatch(/Content Security Policy/);
});

test('the dev host socket refuses pages from another origin', async () => {
  const refused = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${FAKE_PORT}/ipc`, { origin: 'http://evil.example' });
    ws.on('open', () => resolve('opened'));
    ws.on('error', (e) => resolve(e.message));
  });
  expect(refused).toMatch(/403/);
});

test('the dev host requires the access token it printed, on HTTP and on the socket', async ({ browser }) => {
  // A fresh context holds no cookie: the bare address is refused with the remedy.
  const context = await browser.newContext();
  const page = await context.newPage();
  const refused = await page.goto(`http://127.0.0.1:${FAKE_PORT}/`);
  expect(refused!.status()).toBe(403);
  await expect(page.locator('body')).toContainText('open the address it printed when it started');
  expect((await page.goto(`http://127.0.0.1:${FAKE_PORT}/?token=${E2E_TOKEN}x`))!.status()).toBe(403);
  // The right token: the page loads and the token is gone from the address bar.
  await page.goto(`http://127.0.0.1:${FAKE_PORT}/?token=${E2E_TOKEN}`);
  expect(page.url()).toBe(`http://127.0.0.1:${FAKE_PORT}/`);
  await expect(page.getByTestId('vm-demo')).toBeVisible();
  await context.close();
  // A socket from the right origin but without the cookie is refused.
  const noCookie = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${FAKE_PORT}/ipc`, { origin: `http://127.0.0.1:${FAKE_PORT}` });
    ws.on('open', () => resolve('opened'));
    ws.on('error', (e) => resolve(e.message));
  });
  expect(noCookie).toMatch(/403/);
});
