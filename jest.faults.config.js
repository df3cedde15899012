// The fault suite (`npm run test:faults`): real server processes, real PostgreSQL, real sockets,
// each fault injected for real. Kept out of `npm test`: it takes minutes and runs one file at a time.
import base from './jest.config.js';

// The integration project: the shared settings plus the embedded PostgreSQL global setup.
const withPostgres = base.projects.find((project) => project.displayName === 'integration');

/** @type {import('jest').Config} */
export default {
  // Per test; the whole suite is meant to stay under five minutes.
  testTimeout: 120_000,
  projects: [
    {
      ...withPostgres,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
    },
  ],
};
