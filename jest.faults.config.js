// The fault suite (`npm run test:faults`): real server processes, real PostgreSQL, real sockets,
// each fault injected for real. Kept out of `npm test`: it takes minutes and runs one file at a time.
import base from './jest.config.js';

const common = base.projects[0];

/** @type {import('jest').Config} */
export default {
  // Per test; the whole suite is meant to stay under five minutes.
  testTimeout: 120_000,
  globalSetup: base.globalSetup,
  globalTeardown: base.globalTeardown,
  projects: [
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
    },
  ],
};
