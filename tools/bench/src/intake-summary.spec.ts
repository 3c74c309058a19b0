import { intakeCapacity, isSustained, type JudgedStep } from './intake-summary';
import type { OpenLoopResult } from './http-load';

const step = (offeredRate: number, p99: number, sustained = true): JudgedStep => ({
  offeredRate,
  sustained,
  latencyMs: { p99 },
});

describe('intakeCapacity', () => {
  it('is the highest rate when every step passes', () => {
    expect(intakeCapacity([step(500, 10), step(1000, 20), step(1500, 99.9)])).toBe(1500);
  });

  it('stops at the first step over 100 ms, even when a higher step passes again', () => {
    // The 7 December run: 2,500 req/s missed, 3,000 passed.
    const steps = [step(2000, 37.3), step(2500, 118.6), step(3000, 52.5), step(3500, 900, false)];
    expect(intakeCapacity(steps)).toBe(2000);
  });

  it('stops at the first step not sustained, whatever its p99', () => {
    expect(intakeCapacity([step(1000, 20), step(1500, 30, false), step(2000, 40)])).toBe(1000);
  });

  it('counts a p99 of exactly 100 ms as a miss', () => {
    expect(intakeCapacity([step(1000, 20), step(1500, 100)])).toBe(1000);
  });

  it('is 0 when the lowest step misses, or there are no steps', () => {
    expect(intakeCapacity([step(100, 150), step(250, 20)])).toBe(0);
    expect(intakeCapacity([])).toBe(0);
  });

  it('judges the steps in the order of their rates, not of the list', () => {
    expect(intakeCapacity([step(1500, 20), step(500, 10), step(1000, 300)])).toBe(500);
  });
});

describe('isSustained', () => {
  const latency = (p99: number) => ({ count: 10_000, p50: 5, p95: 20, p99, max: p99 + 50 });
  const result = (over: Partial<OpenLoopResult>): OpenLoopResult =>
    ({
      offeredRate: 1000,
      achievedRate: 990,
      errors: 0,
      latencyMs: latency(40),
      ...over,
    }) as OpenLoopResult;

  it('needs no errors, 95 % of the offered rate and a p99 under a second', () => {
    expect(isSustained(result({}))).toBe(true);
    expect(isSustained(result({ errors: 1 }))).toBe(false);
    expect(isSustained(result({ achievedRate: 949 }))).toBe(false);
    expect(isSustained(result({ latencyMs: latency(1000) }))).toBe(false);
  });
});
