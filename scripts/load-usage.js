// `node scripts/load-usage.js [options]` (`--help` lists them): runs the benchmark workspace's
// load-usage, compiled from scripts/bench/src/load-usage.ts by `npx tsc -b`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'bench', 'dist', 'load-usage.js');
if (!fs.existsSync(compiled)) {
  console.error('load-usage: scripts/bench/dist/load-usage.js is missing; build first: npx tsc -b');
  process.exit(1);
}
require(compiled);
