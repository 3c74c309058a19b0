import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { APP_NODE_FLAGS } from '@linebacker/domain';

/**
 * A script that keeps a sliding window of objects alive while it allocates garbage, so
 * that V8 runs several full collections and sets a new old-generation limit after each.
 */
const CHURN = `
let kept = [];
for (let i = 0; i < 2e6; i++) {
  const o = { i, s: 'x' + i };
  if (i % 10 === 0) kept.push(o);
  if (kept.length > 100000) kept = kept.slice(50000);
}
console.log('heap_size_limit=' + require('v8').getHeapStatistics().heap_size_limit);
`;

/** Each growing factor V8's heap controller chose, and the heap limit, under `flags`. */
function heapGrowth(flags: readonly string[]): { factors: number[]; limitMb: number } {
  const out = execFileSync(process.execPath, [...flags, '--trace-gc-verbose', '-e', CHURN], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const factors = [...out.matchAll(/\[HeapController\] factor ([0-9.]+)/g)].map((m) =>
    Number(m[1]),
  );
  // V8's trace shares stdout through a buffer of its own, which may flush part of a line just
  // before the script's: the marker is matched wherever its line starts.
  const limit = Number(/heap_size_limit=(\d+)/.exec(out)?.[1]);
  return { factors, limitMb: limit / 2 ** 20 };
}

// ADR 0408 rests on how this Node's V8 sizes the old generation; if an upgrade changes
// that, these fail and the ADR's reasoning needs checking again.
describe('the Node flags every app runs with', () => {
  it('cap the old generation at 1 GB and its growth after a full collection at 1.6', () => {
    const { factors, limitMb } = heapGrowth(APP_NODE_FLAGS);
    expect(factors.length).toBeGreaterThan(0);
    expect(Math.max(...factors)).toBeLessThanOrEqual(1.6);
    // The limit V8 reports adds the young generation to the old one.
    expect(limitMb).toBeGreaterThanOrEqual(1024);
    expect(limitMb).toBeLessThan(1100);
  });

  it('would let it grow by more with a 4 GB limit, Node 20 default on a 24 GiB machine', () => {
    const { factors, limitMb } = heapGrowth([
      ...APP_NODE_FLAGS.filter((flag) => !flag.startsWith('--max-old-space-size')),
      '--max-old-space-size=4096',
    ]);
    expect(limitMb).toBeGreaterThan(4096);
    expect(Math.max(...factors)).toBeGreaterThan(1.6);
  });
});
