// `node scripts/bench-billing.js [options]` (`--help` lists them): runs the benchmark workspace's
// bench-billing, compiled from scripts/bench/src/bench-billing.ts by `npx tsc -b`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'bench', 'dist', 'bench-billing.js');
if (!fs.existsSync(compiled)) {
  console.error('bench-billing: scripts/bench/dist/bench-billing.js is missing; build first: npx tsc -b');
  process.exit(1);
}
require(compiled);
