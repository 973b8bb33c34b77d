// Offline check of electron-builder.yml against electron-builder's own schema (the check
// its CLI runs before downloading anything). Exit 0 = valid.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');
const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
const { DebugLogger } = require('builder-util');

const file = path.resolve(__dirname, '..', '..', 'electron-builder.yml');
Promise.resolve()
  // Whatever the YAML holds: validateConfiguration is the check of whether it is a Configuration.
  .then(() => validateConfiguration(/** @type {import('app-builder-lib').Configuration} */ (yaml.load(fs.readFileSync(file, 'utf8'))), new DebugLogger(false)))
  .then(
    () => console.log(`VALID ${path.basename(file)}`),
    (err) => {
      console.error(`INVALID ${path.basename(file)}: ${err.message}`);
      process.exit(1);
    },
  );
