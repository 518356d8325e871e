/**
 * Unit specs live beside the code (src/**\/*.spec.ts); e2e specs in test/.
 * A few dependencies ship ESM only: Node 20 loads them through require(esm),
 * Jest's CommonJS runtime does not, so ts-jest compiles those to CommonJS.
 */
const ESM_ONLY = ['content-disposition'];

module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }],
    [`node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  globalSetup: '<rootDir>/test/global-setup.ts',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
};
