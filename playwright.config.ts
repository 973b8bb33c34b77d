// e2e tiers, each named for what it really runs (README.md "Tests"):
//  * ui   — the real renderer in Debian Chromium, served by the real dev host, driving
//           the scripted fake VM host (e2e/fixtures/fakeVmHost.js): UI flows, security.
//  * kvm  — the same renderer and dev host driving REAL VM hosts (native addon, /dev/kvm)
//           booting the project's guests. Skips loudly when a prerequisite is missing.
//  * electron — Playwright `_electron` against the packaged main/preload; runs only where
//           an Electron binary exists and prints SKIPPED otherwise.
// None of the browser tiers is Electron: IPC, sandbox and window behaviour are covered by
// vitest (ipcGate, window policy logic) and by the electron tier where it can run.
import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './e2e/support/chromium';
import { E2E_TOKEN, FAKE_PORT, KVM_PORT } from './e2e/support/ports';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    viewport: { width: 1400, height: 900 },
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    trace: 'off',
  },
  projects: [
    { name: 'ui', testDir: 'e2e/ui', use: { browserName: 'chromium', baseURL: `http://127.0.0.1:${FAKE_PORT}` } },
    { name: 'kvm', testDir: 'e2e/kvm', timeout: 240_000, use: { browserName: 'chromium', baseURL: `http://127.0.0.1:${KVM_PORT}` } },
    { name: 'electron', testDir: 'e2e/electron' },
  ],
  webServer: [
    { command: `node e2e/support/serve.js fake ${FAKE_PORT}`, url: `http://127.0.0.1:${FAKE_PORT}/?token=${E2E_TOKEN}`, reuseExistingServer: false, stdout: 'pipe', timeout: 20_000 },
    { command: `node e2e/support/serve.js kvm ${KVM_PORT}`, url: `http://127.0.0.1:${KVM_PORT}/?token=${E2E_TOKEN}`, reuseExistingServer: false, stdout: 'pipe', timeout: 20_000 },
  ],
});
