// The domain layer (services/domain) holds Meterstream's business rules and nothing that does I/O. This
// check fails the build (`npm run build`, and so `npm test`, `npm start` and the demo) when a production
// file there imports anything but another file of the domain or a package that services/domain/package.json
// lists as a dependency: no Kafka or ClickHouse client, no HTTP framework, no Node built-in module.
// Imports are read with TypeScript's own pre-processor (ts.preProcessFile), so `import type`,
// re-exports and dynamic `import()` / `require()` all count.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DOMAIN = path.join(ROOT, 'services', 'domain');
const SRC = path.join(DOMAIN, 'src');

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The problems of one file: each import that leaves the domain layer. */
function violations(ts, file, allowedPackages) {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return importedFiles.flatMap(({ fileName: spec }) => {
    if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec);
      return target === SRC || target.startsWith(SRC + path.sep) ? [] : [`${spec} (outside services/domain/src)`];
    }
    const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    return allowedPackages.has(pkg) ? [] : [`${spec} (not a dependency of the domain layer)`];
  });
}

function checkLayers() {
  const ts = require(path.join(ROOT, 'node_modules', 'typescript'));
  const manifest = JSON.parse(fs.readFileSync(path.join(DOMAIN, 'package.json'), 'utf8'));
  const allowed = new Set(Object.keys(manifest.dependencies ?? {}));
  const problems = sourceFiles(SRC).flatMap((file) =>
    violations(ts, file, allowed).map((v) => `${path.relative(ROOT, file)}: imports ${v}`),
  );
  if (problems.length > 0) {
    console.error('[check-layers] the domain layer must not do I/O; allowed imports: files of services/domain/src and ' +
      `${[...allowed].join(', ')}.\n` + problems.map((p) => `  ${p}`).join('\n'));
    process.exit(1);
  }
}

module.exports = { checkLayers };
if (require.main === module) checkLayers();
