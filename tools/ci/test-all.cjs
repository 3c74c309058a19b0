#!/usr/bin/env node
// The README's test command: lint, typecheck and build every project, then run every test
// and end with one line `N passed, N failed[, N skipped]`. Exits non-zero if any step or any
// test failed. Order: the three checks side by side (lint and typecheck each as one program
// over the whole workspace, the bundles with Nx), unit tests (`test`, no services), then the
// integration suites (`test-int`, run by Jest with the target's arguments) of all projects
// side by side, then, alone, the suites that stop the broker or cut every connection on it,
// or need both cores to themselves (the chaos run on a three-node cluster):
// `*.exclusive.int.spec.ts`.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { INTEGRATION_ARGS } = require('../nx/jest-targets.cjs');

const root = join(__dirname, '..', '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const nx = (args) =>
  spawnSync('npx', ['nx', ...args, '--outputStyle=static'], { cwd: root, env, stdio: 'inherit' })
    .status;

const EXCLUSIVE = '\\.exclusive\\.int\\.spec\\.ts$';
const RESULT_FILES = [
  '.jest-results.json',
  '.jest-int-results.json',
  '.jest-exclusive-results.json',
];
const jestJson = (file) => ['--json', `--outputFile=${file}`];

/**
 * Runs commands at most `width` at a time, in the order given, each one's output printed in
 * one piece when it ends; resolves to each command's exit status and seconds.
 */
async function pool(commands, width) {
  const results = new Array(commands.length);
  let next = 0;
  const lane = async () => {
    while (next < commands.length) {
      const index = next++;
      results[index] = await run(commands[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, commands.length) }, lane));
  return results;
}

function run({ label, command, cwd = root }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command[0], command.slice(1), {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => (output += `${error.message}\n`));
    child.on('close', (code) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      process.stdout.write(`> ${label}: exit ${code} in ${seconds} s\n${output}\n`);
      resolve({ label, status: code ?? 1, seconds });
    });
  });
}

const worst = (results) => results.find(({ status }) => status !== 0)?.status ?? 0;

function projectRoots() {
  return ['apps', 'libs', 'tools']
    .filter((dir) => existsSync(join(root, dir)))
    .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(dir, name)))
    .filter((dir) => existsSync(join(root, dir, 'project.json')));
}

/** The projects (name and folder) with a spec file whose name matches `pattern`. */
function projectsWithSuites(pattern) {
  return projectRoots()
    .filter(
      (dir) =>
        existsSync(join(root, dir, 'src')) &&
        readdirSync(join(root, dir, 'src'), { recursive: true }).some((f) =>
          pattern.test(String(f)),
        ),
    )
    .map((dir) => ({
      name: JSON.parse(readFileSync(join(root, dir, 'project.json'), 'utf8')).name,
      dir,
    }));
}

/**
 * A project's `test-int` target run by Jest itself, with the arguments the Nx plugin gives
 * the target: step one built every bundle, and starting Nx for each of some 25 runs cost
 * about 4 s of CPU each (the project graph is computed anew without the daemon).
 */
const integrationJest = ({ name, dir }, ...args) => ({
  label: `${name}:test-int`,
  cwd: join(root, dir),
  command: [process.execPath, require.resolve('jest/bin/jest'), ...INTEGRATION_ARGS, ...args],
});

/**
 * The integration projects that take minutes, longest first, as a fresh-clone `.ci/run`
 * measured them (5 December, `39ffd50`, three at a time: e2e 455 s, cli 266 s, chaos 265 s,
 * embedded 247 s, bench 182 s, deploy 126 s, persistence 122 s, messaging 121 s; the rest
 * under 90 s). They start first, so that none of them begins last and runs on alone; a
 * stale list only costs time.
 */
const LONG_FIRST = [
  'e2e',
  'cli',
  'chaos',
  'embedded',
  'bench',
  'deploy',
  'persistence',
  'messaging',
];
// Splitting the long projects over more Jest runs (--shard) was tried and made npm test
// slower (1,134 s against 845 s): the integration step is bound by the two cores, not by its
// longest project, and three whole stacks at once starved each other.
/** Integration runs at once: most of their time is spent waiting on services. */
const INTEGRATION_WIDTH = 3;

/** Each integration project's suites (the exclusive ones left out), longest projects first. */
function integrationRuns() {
  const projects = projectsWithSuites(/\.(int|e2e)\.spec\.ts$/);
  const rank = ({ name }) =>
    LONG_FIRST.includes(name) ? LONG_FIRST.indexOf(name) : LONG_FIRST.length;
  return projects
    .sort((a, b) => rank(a) - rank(b))
    .map((project) =>
      integrationJest(
        project,
        ...jestJson(RESULT_FILES[1]),
        `--testPathIgnorePatterns=${EXCLUSIVE}`,
        '--passWithNoTests',
      ),
    );
}

/** Every Jest results file in the projects (the RESULT_FILES names, as each run wrote them). */
const resultFiles = () =>
  projectRoots().flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((file) => /^\.jest-.*results.*\.json$/.test(file))
      .map((file) => join(root, dir, file)),
  );
for (const file of resultFiles()) rmSync(file, { force: true });

async function integrationStep() {
  const results = await pool(integrationRuns(), INTEGRATION_WIDTH);
  const longest = [...results].sort((a, b) => b.seconds - a.seconds);
  console.log(
    `integration projects, longest first: ${longest.map((r) => `${r.label} ${r.seconds} s`).join(', ')}`,
  );
  return worst(results);
}

async function main() {
  const exclusive = projectsWithSuites(new RegExp(EXCLUSIVE));
  const checkRuns = [
    { label: 'lint', command: ['npm', 'run', '--silent', 'lint'] },
    { label: 'typecheck', command: ['npm', 'run', '--silent', 'typecheck'] },
    { label: 'build', command: ['npx', 'nx', 'run-many', '-t', 'build', '--outputStyle=static'] },
  ];
  const steps = [
    // One ESLint run and one tsc program see every file once; per project, the shared libs
    // were parsed and checked 28 times over (about 4 of the 5 minutes these checks took).
    worst(await pool(checkRuns, checkRuns.length)),
    // Unit tests need no service and are cached: a hit restores its results file too.
    nx(['run-many', '-t', 'test', '--', ...jestJson(RESULT_FILES[0])]),
    // Every integration suite uses its own scratch database and queue namespace, so the
    // projects run side by side (never cached: the outcome depends on the services).
    await integrationStep(),
    // One at a time, each with the machine to itself.
    worst(
      await pool(
        exclusive.map((project) =>
          integrationJest(project, ...jestJson(RESULT_FILES[2]), `--testPathPatterns=${EXCLUSIVE}`),
        ),
        1,
      ),
    ),
  ];

  const totals = { passed: 0, failed: 0, skipped: 0, suitesFailed: 0 };
  for (const file of resultFiles().filter(existsSync)) {
    const result = JSON.parse(readFileSync(file, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests + result.numTodoTests;
    totals.suitesFailed += result.numRuntimeErrorTestSuites;
  }
  const [checks, ...tests] = steps;
  const testsFailed = tests.some((status) => status !== 0);
  if (checks !== 0) console.error('lint, typecheck or build failed');
  if (totals.suitesFailed > 0) console.error(`${totals.suitesFailed} test suite(s) failed to run`);
  const failed = totals.failed + (testsFailed && totals.failed === 0 ? 1 : 0);
  console.log(
    `${totals.passed} passed, ${failed} failed` +
      (totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''),
  );
  process.exit(checks === 0 && !testsFailed ? 0 : 1);
}

void main();
