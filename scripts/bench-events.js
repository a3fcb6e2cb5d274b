// `node scripts/bench-events.js [options]` (`--help` lists them): runs the benchmark workspace's bench-events,
// compiled from scripts/bench/src/bench-events.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('bench-events');
