#!/usr/bin/env node
// `npm run start:browser`: the browser dev host (electron/devhost). Serves the built
// renderer on http://127.0.0.1:<port>/ and forks one real VM host per running VM.
// Options: --port N (default 5199, or VIREO_DEV_PORT), --data-dir DIR.
'use strict';
const path = require('node:path');
const { ensureBuilt } = require('./ensureBuilt');

const repo = path.resolve(__dirname, '..');
ensureBuilt();
require(path.join(repo, 'out', 'electron', 'devhost', 'cli.js'));
