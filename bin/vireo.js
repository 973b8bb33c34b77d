#!/usr/bin/env node
require('../out/electron/cli/main.js');
