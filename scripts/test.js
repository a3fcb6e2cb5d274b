// `npm test`: installs and builds what is missing, then runs every jest project. The integration
// harness (test/support/global-setup.ts) finds or starts Kafka and the schema registry itself.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const setup = require('./setup');

setup.ensureDependencies();
setup.build();
const jest = path.join(setup.ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, [jest, '--runInBand', ...process.argv.slice(2)], { cwd: setup.ROOT, stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
