// Jest runs the tests as CommonJS, and its module system cannot load ES modules through require();
// Node 20 itself can (the services load @platformatic/kafka that way). This transformer turns the
// ES-module-only packages the services depend on into CommonJS for Jest: TypeScript's transpiler
// rewrites import/export, and `import.meta.url` becomes the file's own URL.
'use strict';
const crypto = require('node:crypto');
const ts = require('typescript');

module.exports = {
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update('esm-package-transform-2').update(filename).update(source).digest('hex');
  },
  process(source, filename) {
    const text = source
      // A module-level `const require = createRequire(…)` would clash with CommonJS's own require.
      .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
      .replace(/\bimport\.meta\.url\b/g, "require('node:url').pathToFileURL(__filename).href");
    const out = ts.transpileModule(text, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, allowJs: true },
    });
    return { code: out.outputText };
  },
};
