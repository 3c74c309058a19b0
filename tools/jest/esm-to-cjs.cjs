// Jest's module runtime cannot require() an ES module (Node 20 can), so the few ESM-only
// dependencies (jose) are compiled to CommonJS on the fly for tests, with esbuild. Production
// bundles leave them external and Node loads them natively.
'use strict';
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'js',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
};
