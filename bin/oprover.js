#!/usr/bin/env node
// The headless CLI; built by `npm run build` into dist/cli.js.
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('oprover: dist/cli.js is missing; run `npm run build` first.');
  process.exit(2);
}
require(cli);
