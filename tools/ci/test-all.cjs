#!/usr/bin/env node
// The README's test command: lint, typecheck and build every project, then run every test
// (unit and integration against the real services) and end with one line
// `N passed, N failed[, N skipped]`. Exits non-zero if any step or any test failed.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const nx = (args) =>
  spawnSync('npx', ['nx', ...args, '--outputStyle=static'], { cwd: root, env, stdio: 'inherit' })
    .status;

function projectRoots() {
  return ['apps', 'libs', 'tools']
    .filter((dir) => existsSync(join(root, dir)))
    .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
    .filter((dir) => existsSync(join(dir, 'project.json')));
}

const resultFiles = () => projectRoots().map((dir) => join(dir, '.jest-results.json'));
for (const file of resultFiles()) rmSync(file, { force: true });

const checks = nx(['run-many', '-t', 'lint', 'typecheck', 'build']);
const tests = nx([
  'run-many',
  '-t',
  'test',
  // One project at a time: integration suites restart the broker and must not disturb others.
  '--parallel=1',
  '--skip-nx-cache',
  '--',
  '--json',
  '--outputFile=.jest-results.json',
]);

const totals = { passed: 0, failed: 0, skipped: 0, suitesFailed: 0 };
for (const file of resultFiles().filter(existsSync)) {
  const result = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += result.numPassedTests;
  totals.failed += result.numFailedTests;
  totals.skipped += result.numPendingTests + result.numTodoTests;
  totals.suitesFailed += result.numRuntimeErrorTestSuites;
}
if (checks !== 0) console.error('lint, typecheck or build failed');
if (totals.suitesFailed > 0) console.error(`${totals.suitesFailed} test suite(s) failed to run`);
const failed = totals.failed + (tests !== 0 && totals.failed === 0 ? 1 : 0);
console.log(
  `${totals.passed} passed, ${failed} failed` +
    (totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''),
);
process.exit(checks === 0 && tests === 0 ? 0 : 1);
