// Runs one benchmark of the workspace @meterstream/bench, compiled from scripts/bench/src/<name>.ts by
// `npx tsc -b`; scripts/bench-*.js and scripts/load-usage.js are its launchers.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function launch(name) {
  const compiled = path.join(__dirname, 'dist', `${name}.js`);
  if (!fs.existsSync(compiled)) {
    console.error(`${name}: scripts/bench/dist/${name}.js is missing; build first: npx tsc -b`);
    process.exit(1);
  }
  require(compiled);
}

module.exports = { launch };
