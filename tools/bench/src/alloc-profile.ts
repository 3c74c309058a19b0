import { chargedTo } from './cpu-profile';
import { summarizeProfiles, writeProfilerPreload, type Preload } from './profile-preload';

/** Bytes between two samples on average: about 30 samples per MB allocated. */
export const ALLOC_SAMPLING_INTERVAL = 32_768;

/**
 * The preload and variables that make every process the bench starts sample its allocations
 * into `dir` with V8's sampling heap profiler, the objects collected since included (Node's
 * `--heap-prof` keeps only what is still alive at exit, which says nothing of the garbage a
 * delivery leaves), written as `<instance>-<pid>.heapprofile` on exit.
 */
export function allocProfilePreload(dir: string): Preload {
  return writeProfilerPreload(dir, {
    dirKey: 'LINEBACKER_BENCH_ALLOC_DIR',
    file: 'alloc-preload.cjs',
    start: [
      "session.post('HeapProfiler.enable');",
      "session.post('HeapProfiler.startSampling', {",
      `  samplingInterval: ${ALLOC_SAMPLING_INTERVAL},`,
      '  includeObjectsCollectedByMajorGC: true,',
      '  includeObjectsCollectedByMinorGC: true,',
      '});',
    ].join('\n'),
    stop: 'HeapProfiler.stopSampling',
    extension: '.heapprofile',
  });
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
  return summarizeProfiles(
    dir,
    '.heapprofile',
    (profile) => {
      const { totalBytes, byOwner } = allocatedByOwner((profile as { head: HeapProfileNode }).head);
      return { total: totalBytes, byOwner };
    },
    (bytes) => `${(bytes / 1e6).toFixed(1)} MB allocated`,
    top,
  );
}
