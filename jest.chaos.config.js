/**
 * The chaos suite (`npm run test:chaos`): real receiver, worker and Temporal dev server processes with faults
 * injected while training is in flight. Separate from `npm test`: slower, and it starts its own servers.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
  globalSetup: '<rootDir>/test/chaos/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/chaos/harness/global-teardown.ts',
  testTimeout: 300_000,
  maxWorkers: 2,
};
