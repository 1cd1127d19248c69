/* global process */
/** Unit, infra and sandbox tests in one run; TypeScript and the ESM-only toolkit go through swc. */

// The workers inherit this: on Node 20 the SDK warns about its future releases, once per worker,
// which says nothing about the pinned SDK under test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
  // @actions/* 3.x ship ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!@actions/)'],
  // Their package.json exports only an `import` condition, which jest's CommonJS resolver skips.
  moduleNameMapper: {
    '^@actions/core$': '<rootDir>/node_modules/@actions/core/lib/core.js',
    '^@actions/exec$': '<rootDir>/node_modules/@actions/exec/lib/exec.js',
    '^@actions/io$': '<rootDir>/node_modules/@actions/io/lib/io.js',
    '^@actions/io/lib/(.*)$': '<rootDir>/node_modules/@actions/io/lib/$1.js',
    '^@actions/http-client$': '<rootDir>/node_modules/@actions/http-client/lib/index.js',
    '^@actions/http-client/lib/(.*)$': '<rootDir>/node_modules/@actions/http-client/lib/$1.js',
  },
  // `npm test` runs with --coverage: it fails when action/ drops under 90% of its lines.
  collectCoverageFrom: ['action/**/*.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageProvider: 'v8',
  coverageThreshold: { './action/': { lines: 90 } },
  maxWorkers: 2,
};
