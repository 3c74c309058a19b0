#!/usr/bin/env node
// Bundles bench.ts with esbuild (our sources inlined, npm packages external) into
// libs/messaging/tmp/ and runs it, so the benchmark needs no extra TypeScript runner.
'use strict';
const { buildSync } = require('esbuild');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const lib = join(__dirname, '..');
const outfile = join(lib, 'tmp', 'bench.js');
buildSync({
  entryPoints: [join(__dirname, 'bench.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  tsconfig: join(lib, 'tsconfig.lib.json'),
  external: ['amqplib', 'ajv', 'ajv-formats'],
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [outfile], { stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
