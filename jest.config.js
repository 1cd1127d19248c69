/** Unit, infra and sandbox tests in one run; TypeScript and the ESM-only toolkit go through swc. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  // @actions/* 3.x+ and their octokit dependencies ship ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!(@actions|@octokit|universal-user-agent|before-after-hook|content-type|fast-content-type-parse|json-with-bigint)/)'],
  collectCoverageFrom: ['action/**/*.ts'],
  coverageProvider: 'v8',
  coverageThreshold: { './action/': { lines: 90 } },
  maxWorkers: 2,
};
