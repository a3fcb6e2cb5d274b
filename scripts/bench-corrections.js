// `node scripts/bench-corrections.js [options]` (`--help` lists them): runs the benchmark workspace's bench-corrections,
// compiled from scripts/bench/src/bench-corrections.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-corrections');
