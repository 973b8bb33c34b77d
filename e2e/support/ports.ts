import { randomBytes } from 'node:crypto';
// Fixed loopback ports of the two dev hosts the e2e projects run against.
export const FAKE_PORT = 5311;
export const KVM_PORT = 5312;

// The dev hosts' access token (electron/devhost/accessToken.ts). Playwright evaluates the
// config in its runner and again in each worker; workers inherit the runner's environment,
// so the first evaluation picks the token and every process agrees on it.
process.env.VIREO_E2E_TOKEN ??= randomBytes(18).toString('base64url');
export const E2E_TOKEN = process.env.VIREO_E2E_TOKEN;
