const nxPreset = require('@nx/jest/preset').default;

/** ESM-only packages that tests load as CommonJS, through tools/jest/esbuild-transform.cjs. */
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
  // TypeScript and the ESM-only packages through esbuild, as the bundles are built
  // (tools/jest/esbuild-transform.cjs). Nx's preset's ts-jest transform is not used.
  transform: {
    '^.+\\.ts$': require.resolve('./tools/jest/esbuild-transform.cjs'),
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]:
      require.resolve('./tools/jest/esbuild-transform.cjs'),
  },
};
