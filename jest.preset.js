const nxPreset = require('@nx/jest/preset').default;

/** ESM-only packages that tests load through tools/jest/esm-to-cjs.cjs. */
const ESM_ONLY = ['jose'];

/**
 * What every project's jest.config.cjs shares. The default selection is the unit tests:
 * integration suites (`*.int.spec.ts`, `*.e2e.spec.ts`) are left out here and run by the
 * `test-int` target (tools/nx/test-int.cjs), which swaps this selection for theirs.
 */
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js'],
  // Projects run side by side on 2 cores: a property test that takes 2 s alone can take 8.
  testTimeout: 20_000,
  testPathIgnorePatterns: ['/node_modules/', '\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$'],
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  // TypeScript through esbuild, as the bundles are built (tools/jest/esbuild-ts.cjs); the
  // ESM-only packages converted to CommonJS. Nx's preset's ts-jest transform is not used.
  transform: {
    '^.+\\.ts$': require.resolve('./tools/jest/esbuild-ts.cjs'),
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]:
      require.resolve('./tools/jest/esm-to-cjs.cjs'),
  },
};
