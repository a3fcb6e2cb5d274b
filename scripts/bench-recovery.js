// `node scripts/bench-recovery.js [options]` (`--help` lists them): runs the benchmark workspace's
// bench-recovery, compiled from scripts/bench/src/bench-recovery.ts by `npx tsc -b`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'bench', 'dist', 'bench-recovery.js');
if (!fs.existsSync(compiled)) {
  console.error('bench-recovery: scripts/bench/dist/bench-recovery.js is missing; build first: npx tsc -b');
  process.exit(1);
}
require(compiled);
