import fc from 'fast-check';
import { retryDelayForStep, retryDelayLevels, retryPolicyProblems } from './retry-levels';

describe('retry delay levels', () => {
  const policy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 10_000 };

  it('doubles from the initial delay up to and including the maximum', () => {
    expect(retryDelayLevels(policy)).toEqual([1000, 2000, 4000, 8000, 10_000]);
  });

  it('picks the level of each failure and stays at the last one', () => {
    expect([1, 2, 5, 9].map((step) => retryDelayForStep(policy, step))).toEqual([
      1000, 2000, 10_000, 10_000,
    ]);
  });

  it('always yields a small, finite, increasing set whose last level is the maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (initial, extra) => {
          const levels = retryDelayLevels({
            maxAttempts: 1,
            initialDelayMs: initial,
            maxDelayMs: initial + extra,
          });
          const increasing = levels.every((l, i) => i === 0 || l > (levels[i - 1] ?? 0));
          return increasing && levels.at(-1) === initial + extra && levels.length <= 23;
        },
      ),
    );
  });

  it('reports every problem of a broken policy at once', () => {
    expect(retryPolicyProblems({ maxAttempts: 0, initialDelayMs: 0, maxDelayMs: -1 })).toHaveLength(
      3,
    );
    expect(retryPolicyProblems(policy)).toEqual([]);
  });
});
