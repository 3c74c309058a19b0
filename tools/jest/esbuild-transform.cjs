// Jest's transform, with esbuild as the bundles are built (ADR 0009): the workspace's
// TypeScript has its types stripped, file by file (every tsconfig sets isolatedModules, and
// type checking is `npm run typecheck`'s job), and the few ESM-only dependencies (jose),
// which Jest's module runtime cannot require(), are converted to CommonJS. Production
// bundles leave those external and Node loads them natively.
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { transformSync, version } = require('esbuild');

const OPTIONS = {
  format: 'cjs',
  target: 'node20',
  sourcemap: 'external',
  // Class fields as TypeScript emits them for tsconfig's es2022 target.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
};
const self = createHash('sha256').update(readFileSync(__filename)).digest('hex');

module.exports = {
  process(source, filename) {
    const loader = filename.endsWith('.ts') ? 'ts' : 'js';
    const { code, map } = transformSync(source, { ...OPTIONS, loader, sourcefile: filename });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash('sha256')
      .update(self)
      .update(version)
      .update(filename)
      .update('\0')
      .update(source)
      .digest('hex');
  },
};
