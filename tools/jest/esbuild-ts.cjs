// Jest transform for the workspace's TypeScript: esbuild strips the types and emits
// CommonJS, file by file. Type checking is `npm run typecheck`'s job (every tsconfig sets
// isolatedModules, so no file needs another's types to compile).
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { transformSync, version } = require('esbuild');

const OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'external',
  // Class fields as TypeScript emits them for tsconfig's es2022 target.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
};
const self = createHash('sha256').update(readFileSync(__filename)).digest('hex');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, { ...OPTIONS, sourcefile: filename });
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
