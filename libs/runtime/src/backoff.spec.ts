import fc from 'fast-check';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const options = fc.record({
    initialDelayMs: fc.integer({ min: 1, max: 5_000 }),
    extra: fc.integer({ min: 0, max: 60_000 }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('never exceeds the maximum and is never negative', () => {
    fc.assert(
      fc.property(
        options,
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (o, attempt, random) => {
          const maxDelayMs = o.initialDelayMs + o.extra;
          const delay = backoffDelay(attempt, { ...o, maxDelayMs }, random);
          return delay >= 0 && delay <= maxDelayMs;
        },
      ),
    );
  });

  it('grows by the factor until the cap, without jitter', () => {
    const o = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o, 0.5))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('spreads by at most ±jitter around the base', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (random) => {
        const delay = backoffDelay(
          1,
          { initialDelayMs: 1000, maxDelayMs: 100_000, jitter: 0.2 },
          random,
        );
        return delay >= 800 && delay <= 1200;
      }),
    );
  });
});
