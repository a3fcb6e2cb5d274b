// `node scripts/bench-freshness.js [options]` (`--help` lists them): runs the benchmark workspace's
// bench-freshness, compiled from scripts/bench/src/bench-freshness.ts by `npx tsc -b`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'bench', 'dist', 'bench-freshness.js');
if (!fs.existsSync(compiled)) {
  console.error('bench-freshness: scripts/bench/dist/bench-freshness.js is missing; build first: npx tsc -b');
  process.exit(1);
}
require(compiled);
