#!/usr/bin/env node
// `npm run e2e [-- playwright args]`: builds what the browser tiers serve (renderer bundle,
// main/devhost JS) and runs Playwright in Debian Chromium. Tiers (playwright.config.ts):
//   ui (fake VM host) · kvm (real VM hosts on /dev/kvm) · electron (needs an Electron binary).
// Needs the native addon and guests for the kvm tier: npm run build first.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const bin = (/** @type {string} */ name) => path.join(repo, 'node_modules', '.bin', name);
/** @param {string} cmd @param {string[]} args */
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(bin('tsc'), ['-b', 'electron/vmhost', 'electron/main', 'electron/preload', 'electron/devhost']);
run(bin('vite'), ['build', '--logLevel', 'warn']);
run(bin('playwright'), ['test', ...process.argv.slice(2)]);
