#!/usr/bin/env node
// Placeholder until the embedded pipeline lands (issue #4): says so plainly and only checks
// that the workspace builds, rather than pretending to run anything.
'use strict';
const { spawnSync } = require('node:child_process');
console.log('linebacker: the embedded pipeline is not built yet (issue #4).');
console.log('This command currently only type-checks the libraries.');
const status = spawnSync('npx', ['nx', 'run-many', '-t', 'typecheck', '--outputStyle=static'], {
  stdio: 'inherit',
  env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
}).status;
process.exit(status ?? 1);
