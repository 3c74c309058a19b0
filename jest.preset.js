const nxPreset = require('@nx/jest/preset').default;

/** ESM-only packages that tests load through tools/jest/esm-to-cjs.cjs. */
const ESM_ONLY = ['jose'];

/** What every project's jest.config.cjs shares; a project's file adds only what is its own. */
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js'],
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  // Jest takes the first pattern that matches a file, in this order.
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: require.resolve('./tools/jest/esm-to-cjs.cjs'),
    ...nxPreset.transform,
  },
};
