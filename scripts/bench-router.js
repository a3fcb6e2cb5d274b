// `node scripts/bench-router.js [options]` (`--help` lists them): runs the benchmark workspace's bench-router,
// compiled from scripts/bench/src/bench-router.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-router');
