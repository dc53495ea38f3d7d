/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // The trainers package's tests (trainers/test) run here too: one jest run, one set-up.
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/trainers/test/**/*.test.ts'],
  // The chaos suite has its own config and servers: `npm run test:chaos`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 2,
  // The Python venvs (benchmarks, transformers trainer) and build output are not part of the tests.
  modulePathIgnorePatterns: [
    '<rootDir>/bench/.venv',
    '<rootDir>/bench/.build',
    '<rootDir>/bench/.work',
    '<rootDir>/trainers/transformers/.venv',
    '<rootDir>/trainers/dist',
  ],
};
