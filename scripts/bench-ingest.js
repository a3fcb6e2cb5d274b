// `node scripts/bench-ingest.js [options]` (`--help` lists them): runs the benchmark workspace's bench-ingest,
// compiled from scripts/bench/src/bench-ingest.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-ingest');
