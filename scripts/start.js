#!/usr/bin/env node
// `npm start`: run the desktop app in Electron. Where the Electron binary is missing (it is
// downloaded from GitHub on first use, which fails offline), say so in one line and offer
// the browser dev host, which runs the same renderer against the same VM hosts.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { ensureBuilt } = require('./ensureBuilt');

const repo = path.resolve(__dirname, '..');
const BROWSER_COMMAND = 'npm run start:browser';

/**
 * The Electron executable, found the way node_modules/electron/index.js does, without its download.
 * @returns {{ bin: string; error?: undefined } | { bin?: undefined; error: string }}
 */
function electronBinary() {
  const pkg = path.join(repo, 'node_modules', 'electron');
  if (!fs.existsSync(pkg)) return { error: 'the electron package is not installed' };
  const pathFile = path.join(pkg, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : 'electron';
  const bin = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel)
    : path.join(pkg, 'dist', rel);
  if (!fs.existsSync(bin)) return { error: `no Electron binary at ${path.relative(repo, bin)}` };
  return { bin };
}

/** @param {string} reason */
function offerBrowser(reason) {
  console.error(`vireo: cannot start Electron (${reason}); the browser dev host runs the same app: ${BROWSER_COMMAND}`);
  const startBrowser = () => {
    const child = spawn(process.execPath, [path.join(__dirname, 'start-browser.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
    child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
  };
  if (!process.stdin.isTTY) {
    // Nobody to ask: start it (stop it with Ctrl-C or a signal).
    console.error('vireo: starting the browser dev host');
    startBrowser();
    return;
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  rl.question('Start the browser dev host now? [Y/n] ', (answer) => {
    rl.close();
    if (/^n/i.test(answer.trim())) process.exit(1);
    startBrowser();
  });
}

ensureBuilt();
const found = electronBinary();
if (found.error !== undefined) {
  offerBrowser(found.error);
} else {
  const child = spawn(found.bin, [repo, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('error', (err) => offerBrowser(`${path.relative(repo, found.bin)}: ${err.message}`));
  child.on('exit', (code, signal) => {
    if (code !== null || signal) process.exit(signal ? 1 : code);
  });
}
