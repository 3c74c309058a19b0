import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The variable that tells the preload where to write. */
const DIR_KEY = 'LINEBACKER_BENCH_PROFILE_DIR';

/**
 * A preload (`node --require`) that profiles its process from start to exit with the V8
 * inspector and writes `<instance>-<pid>.cpuprofile` on exit. `--cpu-prof` itself is not
 * allowed in NODE_OPTIONS, which is how the bench reaches the processes its stacks start.
 * The profile is written in the 'exit' handler: an in-process inspector session answers
 * synchronously there. A process killed with SIGKILL writes nothing. A lean role is named by
 * its role.
 */
const PRELOAD = `'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const dir = process.env.${DIR_KEY};
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
const lean = process.argv[2] === 'lean-stage' ? 'lean-' + process.argv[3] : undefined;
const name = (process.env.LINEBACKER_INSTANCE_ID || lean || basename(process.argv[1] || 'node'))
  .replace(/[^A-Za-z0-9#._-]/g, '_');
process.on('exit', () => {
  session.post('Profiler.stop', (error, result) => {
    if (!error && result) writeFileSync(join(dir, name + '-' + process.pid + '.cpuprofile'), JSON.stringify(result.profile));
  });
});
`;

/** A preload file for every process the bench starts, with the variables it reads. */
export interface Preload {
  preload: string;
  env: Record<string, string>;
}

/** The preload and variables that make every process the bench starts profile into `dir`. */
export function cpuProfilePreload(dir: string): Preload {
  mkdirSync(dir, { recursive: true });
  const preload = join(dir, 'profile-preload.cjs');
  writeFileSync(preload, PRELOAD);
  return { preload, env: { [DIR_KEY]: dir } };
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

/** The environment that makes every process the bench starts write a CPU profile into `dir`. */
export function cpuProfileEnv(dir: string): Record<string, string> {
  return preloadEnv([cpuProfilePreload(dir)]);
}

/** The parts of a V8 `.cpuprofile` read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where a frame's time is charged: the npm package for code under node_modules, `node:<module>`
 * for Node's own JavaScript, `app` for the bundle, and the name of a native or V8 entry such
 * as `(writev)` (a socket write, in the kernel) or `(garbage collector)`.
 */
export function chargedTo(callFrame: { functionName: string; url: string }): string {
  const { url, functionName } = callFrame;
  if (url === '') return `(${functionName.replace(/^\(|\)$/g, '')})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return 'app';
}

/** Self time by {@link chargedTo}, in microseconds, and the profile's busy time (idle left out). */
export function selfTimeByOwner(profile: CpuProfile): {
  busyUs: number;
  byOwner: Map<string, number>;
} {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byOwner = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === '(idle)') return;
    busyUs += us;
    const owner = chargedTo(frame);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
  });
  return { busyUs, byOwner };
}

/** One line per profile in `dir`: busy seconds and the `top` owners of its busy time. */
export function summarizeCpuProfiles(dir: string, top = 8): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort()
    .map((file) => {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const { busyUs, byOwner } = selfTimeByOwner(profile);
      const shares = [...byOwner]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([owner, us]) => `${owner} ${((100 * us) / Math.max(busyUs, 1)).toFixed(1)} %`);
      return `${basename(file, '.cpuprofile')}: busy ${(busyUs / 1e6).toFixed(1)} s; ${shares.join(', ')}`;
    });
}
