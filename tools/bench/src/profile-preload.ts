import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A preload file for every process the bench starts, with the variables it reads. */
export interface Preload {
  preload: string;
  env: Record<string, string>;
}

/** What one inspector profiler needs: its statements at start, its stop method, its file. */
export interface ProfilerSpec {
  /** Names the folder the preload writes into (an environment variable). */
  dirKey: string;
  /** The preload's file name inside the folder. */
  file: string;
  /** Statements that start the profiler on the connected `session`. */
  start: string;
  /** The inspector method that stops it and answers `{ profile }`. */
  stop: string;
  /** The profile's file extension, e.g. `.cpuprofile`. */
  extension: string;
}

/**
 * Writes a preload (`node --require`) that runs a V8 inspector profiler in its process from
 * start to exit and writes `<instance>-<pid><extension>` into the folder on exit: an
 * in-process inspector session answers synchronously in the 'exit' handler. Profiler flags
 * such as `--cpu-prof` are not allowed in NODE_OPTIONS, which is how the bench reaches the
 * processes its stacks start. A lean role is named by its role; a process killed with SIGKILL
 * writes nothing.
 */
export function writeProfilerPreload(dir: string, spec: ProfilerSpec): Preload {
  mkdirSync(dir, { recursive: true });
  const preload = join(dir, spec.file);
  writeFileSync(
    preload,
    `'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const dir = process.env.${spec.dirKey};
const session = new inspector.Session();
session.connect();
${spec.start}
const lean = process.argv[2] === 'lean-stage' ? 'lean-' + process.argv[3] : undefined;
const name = (process.env.LINEBACKER_INSTANCE_ID || lean || basename(process.argv[1] || 'node'))
  .replace(/[^A-Za-z0-9#._-]/g, '_');
process.on('exit', () => {
  session.post('${spec.stop}', (error, result) => {
    if (!error && result) writeFileSync(join(dir, name + '-' + process.pid + '${spec.extension}'), JSON.stringify(result.profile));
  });
});
`,
  );
  return { preload, env: { [spec.dirKey]: dir } };
}

/** The environment that loads every one of `preloads` (after any inherited NODE_OPTIONS). */
export function preloadEnv(preloads: Preload[]): Record<string, string> {
  const inherited = process.env['NODE_OPTIONS'] ?? '';
  const requires = preloads.map(({ preload }) => `--require "${preload}"`);
  return Object.assign(
    { NODE_OPTIONS: [inherited, ...requires].join(' ').trim() },
    ...preloads.map(({ env }) => env),
  ) as Record<string, string>;
}

/** A profile reduced to its total and that total by owner. */
export interface OwnerTotals {
  total: number;
  byOwner: Map<string, number>;
}

/**
 * One line per `extension` file in `dir`, by name: `<file>: <headline>; <owner> <share> %, …`
 * with the `top` owners' shares of the total, largest first.
 */
export function summarizeProfiles(
  dir: string,
  extension: string,
  read: (profile: unknown) => OwnerTotals,
  headline: (total: number) => string,
  top: number,
): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(extension))
    .sort()
    .map((file) => {
      const { total, byOwner } = read(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      const shares = [...byOwner]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([owner, n]) => `${owner} ${((100 * n) / Math.max(total, 1)).toFixed(1)} %`);
      return `${basename(file, extension)}: ${headline(total)}; ${shares.join(', ')}`;
    });
}
