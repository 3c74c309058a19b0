import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chargedTo, cpuProfilePreload, selfTimeByOwner, summarizeCpuProfiles } from './cpu-profile';
import { preloadEnv } from './profile-preload';

const frame = (functionName: string, url = '') => ({ functionName, url });

/** A profile whose samples hit the given frames for the given microseconds. */
function profile(hits: [ReturnType<typeof frame>, number][]) {
  return {
    nodes: hits.map(([callFrame], i) => ({ id: i + 1, callFrame })),
    samples: hits.map((_, i) => i + 1),
    timeDeltas: hits.map(([, us]) => us),
  };
}

describe('CPU profiles of the bench', () => {
  it('charges a frame to its package, Node module, the bundle or the native entry', () => {
    expect(chargedTo(frame('submit', 'file:///w/node_modules/pg/lib/query.js'))).toBe('pg');
    expect(chargedTo(frame('x', '/w/node_modules/@azure/core/dist/a.js'))).toBe('@azure/core');
    expect(chargedTo(frame('emit', 'node:events'))).toBe('node:events');
    expect(chargedTo(frame('emit', 'node:internal/streams/writable'))).toBe('node:internal');
    expect(chargedTo(frame('handle', '/w/dist/apps/notifier/main.js'))).toBe('app');
    expect(chargedTo(frame('writev'))).toBe('(writev)');
    expect(chargedTo(frame('(garbage collector)'))).toBe('(garbage collector)');
  });

  it('sums self time per owner and leaves idle time out of the busy time', () => {
    const { busyUs, byOwner } = selfTimeByOwner(
      profile([
        [frame('(idle)'), 5000],
        [frame('writev'), 300],
        [frame('submit', '/n/node_modules/pg/lib/query.js'), 200],
        [frame('query', '/n/node_modules/pg/lib/client.js'), 100],
      ]),
    );
    expect(busyUs).toBe(600);
    expect(Object.fromEntries(byOwner)).toEqual({ '(writev)': 300, pg: 300 });
  });

  it('summarizes each profile of a folder, largest owners first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-profiles-'));
    try {
      const hits: [ReturnType<typeof frame>, number][] = [
        [frame('writev'), 750_000],
        [frame('run', '/d/dist/apps/notifier/main.js'), 250_000],
      ];
      writeFileSync(join(dir, 'notifier#1-42.cpuprofile'), JSON.stringify(profile(hits)));
      expect(summarizeCpuProfiles(dir)).toEqual([
        'notifier#1-42: busy 1.0 s; (writev) 75.0 %, app 25.0 %',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands the processes a preload through NODE_OPTIONS and writes it into the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-profiles-'));
    try {
      const env = preloadEnv([cpuProfilePreload(dir)]);
      expect(env['NODE_OPTIONS']).toContain(`--require "${join(dir, 'profile-preload.cjs')}"`);
      expect(env['LINEBACKER_BENCH_PROFILE_DIR']).toBe(dir);
      expect(readFileSync(join(dir, 'profile-preload.cjs'), 'utf8')).toContain('Profiler.start');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
