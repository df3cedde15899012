// Jest runs the TypeScript sources as ESM (every @nestjs/* 12 package is ESM-only).
const tsJest = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: tsJest,
  testEnvironment: 'node',
  testTimeout: 30000,
};

// One embedded PostgreSQL for the whole run; each test file gets its own database cloned from a
// migrated template (see test/support/database.ts). Jest runs a project's global setup only when
// one of its tests runs, and the same module once however many projects name it.
const withPostgres = {
  ...common,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
};

/** @type {import('jest').Config} */
export default {
  testTimeout: 30000,
  // Test files run in a worker process that is replaced once it holds more than this after a file:
  // each file boots whole apps, and running them all in one process (Jest's choice on a 2-core
  // machine) grew its heap past 4 GB.
  workerIdleMemoryLimit: '1GB',
  projects: [
    // Unit tests need no build and no database: `npm run test:unit` works on a fresh clone.
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...withPostgres,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    {
      ...withPostgres,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
    {
      ...withPostgres,
      // Real headless Chromium (playwright-core + the system chromium) against the real server and console.
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      testTimeout: 60000,
    },
  ],
};
