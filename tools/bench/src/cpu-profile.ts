import { summarizeProfiles, writeProfilerPreload, type Preload } from './profile-preload';

/**
 * The preload and variables that make every process the bench starts write a V8 CPU profile
 * (`<instance>-<pid>.cpuprofile`, sampled every millisecond) into `dir` as it exits.
 */
export function cpuProfilePreload(dir: string): Preload {
  return writeProfilerPreload(dir, {
    dirKey: 'LINEBACKER_BENCH_PROFILE_DIR',
    file: 'profile-preload.cjs',
    start: [
      "session.post('Profiler.enable');",
      "session.post('Profiler.setSamplingInterval', { interval: 1000 });",
      "session.post('Profiler.start');",
    ].join('\n'),
    stop: 'Profiler.stop',
    extension: '.cpuprofile',
  });
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
  return summarizeProfiles(
    dir,
    '.cpuprofile',
    (profile) => {
      const { busyUs, byOwner } = selfTimeByOwner(profile as CpuProfile);
      return { total: busyUs, byOwner };
    },
    (busyUs) => `busy ${(busyUs / 1e6).toFixed(1)} s`,
    top,
  );
}
