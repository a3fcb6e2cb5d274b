// `node scripts/bench-recovery.js [options]` (`--help` lists them): runs the benchmark workspace's bench-recovery,
// compiled from scripts/bench/src/bench-recovery.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-recovery');
