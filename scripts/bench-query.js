// `node scripts/bench-query.js [options]` (`--help` lists them): runs the benchmark workspace's
// bench-query, compiled from scripts/bench/src/bench-query.ts by `npx tsc -b`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'bench', 'dist', 'bench-query.js');
if (!fs.existsSync(compiled)) {
  console.error('bench-query: scripts/bench/dist/bench-query.js is missing; build first: npx tsc -b');
  process.exit(1);
}
require(compiled);
