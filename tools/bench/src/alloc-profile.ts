import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chargedTo } from './cpu-profile';

/** The variable that tells the preload where to write. */
const DIR_KEY = 'LINEBACKER_BENCH_ALLOC_DIR';

/** Bytes between two samples on average: about 30 samples per MB allocated. */
export const ALLOC_SAMPLING_INTERVAL = 32_768;

/**
 * A preload (`node --require`) that samples its process's allocations from start to exit with
 * V8's sampling heap profiler, the objects collected since included (Node's `--heap-prof`
 * keeps only what is still alive at exit, which says nothing of the garbage a delivery
 * leaves), and writes `<instance>-<pid>.heapprofile` on exit. A lean role is named by its
 * role. A process killed with SIGKILL writes nothing.
 */
const PRELOAD = `'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const dir = process.env.${DIR_KEY};
const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: ${ALLOC_SAMPLING_INTERVAL},
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const lean = process.argv[2] === 'lean-stage' ? 'lean-' + process.argv[3] : undefined;
const name = (process.env.LINEBACKER_INSTANCE_ID || lean || basename(process.argv[1] || 'node'))
  .replace(/[^A-Za-z0-9#._-]/g, '_');
process.on('exit', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (!error && result) writeFileSync(join(dir, name + '-' + process.pid + '.heapprofile'), JSON.stringify(result.profile));
  });
});
`;

/** The preload file and variables that make every process the bench starts sample into `dir`. */
export function allocProfilePreload(dir: string): { preload: string; env: Record<string, string> } {
  mkdirSync(dir, { recursive: true });
  const preload = join(dir, 'alloc-preload.cjs');
  writeFileSync(preload, PRELOAD);
  return { preload, env: { [DIR_KEY]: dir } };
}

/** The parts of a V8 sampling heap profile read here. */
export interface HeapProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: HeapProfileNode[];
}

/**
 * Bytes allocated by owner: the innermost frame's package, Node module, `app` (the bundle) or
 * native entry, as CPU time is charged ({@link chargedTo}); the total counts every sample.
 */
export function allocatedByOwner(head: HeapProfileNode): {
  totalBytes: number;
  byOwner: Map<string, number>;
} {
  const byOwner = new Map<string, number>();
  let totalBytes = 0;
  const pending = [head];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      const owner = chargedTo(node.callFrame);
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + node.selfSize);
    }
    pending.push(...node.children);
  }
  return { totalBytes, byOwner };
}

/** One line per profile in `dir`: MB allocated over its life and the `top` owners' shares. */
export function summarizeAllocProfiles(dir: string, top = 8): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.heapprofile'))
    .sort()
    .map((file) => {
      const { head } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        head: HeapProfileNode;
      };
      const { totalBytes, byOwner } = allocatedByOwner(head);
      const shares = [...byOwner]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(
          ([owner, bytes]) => `${owner} ${((100 * bytes) / Math.max(totalBytes, 1)).toFixed(1)} %`,
        );
      return `${basename(file, '.heapprofile')}: ${(totalBytes / 1e6).toFixed(1)} MB allocated; ${shares.join(', ')}`;
    });
}
