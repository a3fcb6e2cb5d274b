// `node scripts/bench-query.js [options]` (`--help` lists them): runs the benchmark workspace's bench-query,
// compiled from scripts/bench/src/bench-query.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-query');
