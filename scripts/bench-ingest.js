// `node scripts/bench-ingest.js [options]` (`--help` lists them): runs the benchmark workspace's
// bench-ingest, compiled from scripts/bench/src/bench-ingest.ts by `npx tsc -b`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'bench', 'dist', 'bench-ingest.js');
if (!fs.existsSync(compiled)) {
  console.error('bench-ingest: scripts/bench/dist/bench-ingest.js is missing; build first: npx tsc -b');
  process.exit(1);
}
require(compiled);
