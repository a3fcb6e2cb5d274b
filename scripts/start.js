// `npm start`: the standalone process (all four services, embedded ClickHouse), kept running.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const setup = require('./setup');

setup.ensureDependencies();
setup.build();
setup.ensureStack();
const main = path.join(setup.ROOT, 'services', 'standalone', 'dist', 'main.js');
const result = spawnSync(process.execPath, [main, ...process.argv.slice(2)], { cwd: setup.ROOT, stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
