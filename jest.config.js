// Unit tests sit beside the code (services/<name>/src, files ending .test.ts); integration and end-to-end
// tests in test/ run against real Kafka, a real schema registry and real ClickHouse (see test/support).
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', target: 'es2022', esModuleInterop: true, resolveJsonModule: true } }] };
// ES-module-only packages, loaded as CommonJS under Jest (see test/support/esm-package-transform.js).
const ESM_PACKAGES = ['@platformatic/kafka', '@platformatic/dynamic-buffer', '@platformatic/wasm-utils'];
transform[`node_modules/(${ESM_PACKAGES.join('|')})/.+\\.js$`] = '<rootDir>/test/support/esm-package-transform.js';
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`];
const moduleNameMapper = { '^@meterstream/([a-z-]+)$': '<rootDir>/services/$1/src/index.ts' };

module.exports = {
  testTimeout: 180000,
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/services/*/src/**/*.test.ts'], transform, transformIgnorePatterns, moduleNameMapper, testEnvironment: 'node' },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
