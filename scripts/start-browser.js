#!/usr/bin/env node
// `npm run start:browser`: the browser dev host (electron/devhost). Serves the built
// renderer on http://127.0.0.1:<port>/ and forks one real VM host per running VM.
// Options: --port N (default 5199, or VIREO_DEV_PORT), --data-dir DIR.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const missing = ['out/electron/devhost/cli.js', 'out/renderer/index.html'].filter((f) => !fs.existsSync(path.join(repo, f)));
if (missing.length) {
  console.error(`vireo: not built yet (${missing.join(', ')} missing): run npm run build:app first.`);
  process.exit(1);
}
require(path.join(repo, 'out', 'electron', 'devhost', 'cli.js'));
