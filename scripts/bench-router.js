// `node scripts/bench-router.js [options]` (`--help` lists them): runs the benchmark workspace's
// bench-router, compiled from scripts/bench/src/bench-router.ts by `npx tsc -b`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'bench', 'dist', 'bench-router.js');
if (!fs.existsSync(compiled)) {
  console.error('bench-router: scripts/bench/dist/bench-router.js is missing; build first: npx tsc -b');
  process.exit(1);
}
require(compiled);
