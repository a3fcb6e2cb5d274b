// `node scripts/api-keys.js <create|list|revoke> [options]`: manage the gateway's API keys straight in
// the catalog on Kafka (no gateway needed; how a fresh install gets its first key). The tool is
// services/gateway/src/api-keys-cli.ts; `--help` describes it. Needs a build (`npx tsc -b`).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'services', 'gateway', 'dist', 'api-keys-cli.js');
if (!fs.existsSync(cli)) {
  console.error(`api-keys: ${path.relative(process.cwd(), cli)} is missing; build first: npx tsc -b`);
  process.exit(1);
}
require(cli)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(`api-keys: ${err.stack || err}`);
    process.exit(1);
  });
