// Builds whatever the app needs and is missing, step by step with visible progress, so
// `npm install && npm start` works on a fresh clone (npm install builds nothing itself).
// Each step is the npm script that `npm run build` runs; a step whose output exists is
// skipped. A failed step ends the process with its exit status and one line naming it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const repo = path.resolve(__dirname, '..');

const STEPS = [
  { what: 'the native VMM addon', script: 'build:native', outputs: ['native/build/Release/vireo_native.node'] },
  { what: 'the demo and test guests', script: 'build:guests', outputs: ['native/guests/build/demo.bin'] },
  { what: 'the option ROMs', script: 'build:firmware', outputs: ['native/firmware/build/linuxboot.bin'] },
  {
    what: 'the TypeScript (main, preload, VM host, CLI, browser host)',
    script: 'build:ts',
    outputs: ['out/electron/main/main.js', 'out/electron/preload/preload.js', 'out/electron/devhost/cli.js', 'out/electron/vmhost/vmHostMain.js'],
  },
  { what: 'the renderer', script: 'build:renderer', outputs: ['out/renderer/index.html'] },
];

function ensureBuilt() {
  const todo = STEPS.filter((s) => s.outputs.some((f) => !fs.existsSync(path.join(repo, f))));
  todo.forEach((step, i) => {
    process.stderr.write(`vireo: first start: building ${step.what} (${i + 1}/${todo.length}, npm run ${step.script})\n`);
    const t0 = Date.now();
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', step.script], { cwd: repo, stdio: 'inherit' });
    if (r.status !== 0) {
      process.stderr.write(`vireo: building ${step.what} failed (npm run ${step.script}); see the output above\n`);
      process.exit(r.status ?? 1);
    }
    process.stderr.write(`vireo: built ${step.what} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  });
}

module.exports = { ensureBuilt, STEPS };
