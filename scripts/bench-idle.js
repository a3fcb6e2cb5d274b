// `node scripts/bench-idle.js [options]` (`--help` lists them): runs the benchmark workspace's bench-idle,
// compiled from scripts/bench/src/bench-idle.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-idle');
