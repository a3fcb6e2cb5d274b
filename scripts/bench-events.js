// `node scripts/bench-events.js [options]` (`--help` lists them): runs the benchmark workspace's
// bench-events, compiled from scripts/bench/src/bench-events.ts by `npx tsc -b`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'bench', 'dist', 'bench-events.js');
if (!fs.existsSync(compiled)) {
  console.error('bench-events: scripts/bench/dist/bench-events.js is missing; build first: npx tsc -b');
  process.exit(1);
}
require(compiled);
