// `node scripts/bench-freshness.js [options]` (`--help` lists them): runs the benchmark workspace's bench-freshness,
// compiled from scripts/bench/src/bench-freshness.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-freshness');
