const nxPreset = require('@nx/jest/preset').default;

/** ESM-only packages that tests load through tools/jest/esm-to-cjs.cjs. */
const ESM_ONLY = ['jose'];

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  transform: {
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: require.resolve('./tools/jest/esm-to-cjs.cjs'),
    ...nxPreset.transform,
  },
};
