// Unit tests sit beside the code (services/<name>/src, files ending .test.ts); integration and end-to-end
// tests in test/ run against real Kafka, a real schema registry and real ClickHouse (see test/support).
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', target: 'es2022', esModuleInterop: true, resolveJsonModule: true } }] };
const moduleNameMapper = { '^@meterstream/([a-z-]+)$': '<rootDir>/services/$1/src/index.ts' };

module.exports = {
  testTimeout: 180000,
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/services/*/src/**/*.test.ts'], transform, moduleNameMapper, testEnvironment: 'node' },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
