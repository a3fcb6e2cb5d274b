// `npm run demo`: local stack up, all services in one process, sample usage in, usage and an invoice out.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const setup = require('./setup');

setup.ensureDependencies();
setup.build();
setup.ensureStack();
execFileSync(process.execPath, [path.join(__dirname, 'demo-run.js')], { cwd: setup.ROOT, stdio: 'inherit', env: process.env });
