// `npm test`: installs and builds what is missing, then runs every jest project. The integration
// harness (test/support/global-setup.ts) finds or starts Kafka and the schema registry itself.
// Extra arguments go to jest (e.g. `npm test -- --selectProjects unit`).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const setup = require('./setup');

setup.ensureDependencies();
setup.build();
// ts-jest only transpiles: the tests' own types are checked here, the integration tests (test/) and the
// unit tests beside the code (services/*/src/**/*.test.ts) alike.
console.log('[test] type-checking test/ and services/*/src/**/*.test.ts (tsconfig.test.json)');
setup.run(path.join(setup.ROOT, 'node_modules', '.bin', 'tsc'), ['-p', path.join(setup.ROOT, 'tsconfig.test.json')]);
const jest = path.join(setup.ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const results = path.join(setup.ROOT, '.jest-results.json');
fs.rmSync(results, { force: true });
// --forceExit: a test that stops a broker can leave a Kafka client retrying in the background after
// its suite is done; the results are final by then, and the run must end.
const run = spawnSync(process.execPath, [jest, '--runInBand', '--forceExit', '--json', `--outputFile=${results}`, ...process.argv.slice(2)], {
  cwd: setup.ROOT,
  stdio: 'inherit',
  env: process.env,
});
if (fs.existsSync(results)) {
  const r = JSON.parse(fs.readFileSync(results, 'utf8'));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
}
process.exit(run.status ?? 1);
