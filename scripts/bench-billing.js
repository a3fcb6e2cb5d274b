// `node scripts/bench-billing.js [options]` (`--help` lists them): runs the benchmark workspace's bench-billing,
// compiled from scripts/bench/src/bench-billing.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-billing');
