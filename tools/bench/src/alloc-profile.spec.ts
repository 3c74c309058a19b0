import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allocatedByOwner,
  allocProfilePreload,
  summarizeAllocProfiles,
  type HeapProfileNode,
} from './alloc-profile';
import { cpuProfilePreload } from './cpu-profile';
import { preloadEnv } from './profile-preload';

const node = (
  functionName: string,
  url: string,
  selfSize: number,
  children: HeapProfileNode[] = [],
): HeapProfileNode => ({ callFrame: { functionName, url }, selfSize, children });

/** A root with the app's handler, which calls pg and JSON.parse (native) and allocates itself. */
const PROFILE = node('(root)', '', 0, [
  node('handle', '/w/dist/apps/notifier/main.js', 400, [
    node('parse', '/w/node_modules/pg-protocol/dist/parser.js', 300),
    node('parse', '', 200),
  ]),
  node('(V8 API)', '', 100),
]);

describe('allocation profiles of the bench', () => {
  it('charges each sampled allocation to its innermost frame, and counts them all', () => {
    const { totalBytes, byOwner } = allocatedByOwner(PROFILE);
    expect(totalBytes).toBe(1000);
    expect(Object.fromEntries(byOwner)).toEqual({
      app: 400,
      'pg-protocol': 300,
      '(parse)': 200,
      '(V8 API)': 100,
    });
  });

  it('summarizes each profile of a folder, largest owners first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-alloc-'));
    try {
      writeFileSync(
        join(dir, 'notifier#1-42.heapprofile'),
        JSON.stringify({
          head: node('(root)', '', 0, [node('x', '/a/dist/apps/n.js', 3_000_000)]),
        }),
      );
      writeFileSync(join(dir, 'lean-notify-43.heapprofile'), JSON.stringify({ head: PROFILE }));
      writeFileSync(join(dir, 'notes.txt'), 'not a profile');
      expect(summarizeAllocProfiles(dir, 2)).toEqual([
        'lean-notify-43: 0.0 MB allocated; app 40.0 %, pg-protocol 30.0 %',
        'notifier#1-42: 3.0 MB allocated; app 100.0 %',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads both preloads when CPU and allocation profiles are both asked for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-preloads-'));
    try {
      const env = preloadEnv([cpuProfilePreload(join(dir, 'cpu')), allocProfilePreload(dir)]);
      expect(env['NODE_OPTIONS']).toContain(
        `--require "${join(dir, 'cpu', 'profile-preload.cjs')}"`,
      );
      expect(env['NODE_OPTIONS']).toContain(`--require "${join(dir, 'alloc-preload.cjs')}"`);
      expect(env['LINEBACKER_BENCH_ALLOC_DIR']).toBe(dir);
      expect(env['LINEBACKER_BENCH_PROFILE_DIR']).toBe(join(dir, 'cpu'));
      const preload = readFileSync(join(dir, 'alloc-preload.cjs'), 'utf8');
      expect(preload).toContain('includeObjectsCollectedByMinorGC: true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
