// `node scripts/dlq.js <list|replay> [options]`: inspect and replay the events dead-letter topic.
// The tool is services/meter-router/src/dlq-cli.ts; `--help` describes it. Needs a build (`npx tsc -b`).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'services', 'meter-router', 'dist', 'dlq-cli.js');
if (!fs.existsSync(cli)) {
  console.error(`dlq: ${path.relative(process.cwd(), cli)} is missing; build first: npx tsc -b`);
  process.exit(1);
}
require(cli)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(`dlq: ${err.stack || err}`);
    process.exit(1);
  });
