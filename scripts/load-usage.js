// `node scripts/load-usage.js [options]` (`--help` lists them): runs the benchmark workspace's load-usage,
// compiled from scripts/bench/src/load-usage.ts by `npx tsc -b`.
'use strict';
require('./bench/launch').launch('load-usage');
