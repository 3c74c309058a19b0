import type { BenchResult } from './result';
import { targets } from './run-benchmark';

type Run = BenchResult['e2e'][number];

/** A linebacker run with just the figures the targets read. */
const run = (instances: number, rate: number, cpuMs: number, round?: number): Run =>
  ({
    pipeline: 'linebacker',
    interfaceTransport: 'amqp',
    instances,
    ...(round ? { round } : {}),
    completionsPerSecond: rate,
    cpuMsPerRequestByRole: { 'check-allowed': cpuMs },
    usage: { processes: [{ role: 'check-allowed', peakRssMb: 90 }] },
  }) as unknown as Run;

const judged = (e2e: Run[], leanRatio: BenchResult['leanRatio'] = []) =>
  targets({ e2e, leanRatio } as unknown as Omit<BenchResult, 'targets'>);

const target = (list: BenchResult['targets'], start: string) =>
  list.find((t) => t.name.startsWith(start));

describe('targets', () => {
  it('judges one round by its own figures', () => {
    const list = judged([run(1, 400, 4.5), run(2, 340, 5.2)]);
    expect(target(list, 'end to end at x2')).toEqual({
      name: 'end to end at x2 ≥ 0.9 × x1',
      met: false,
      measured: '0.85',
    });
    expect(target(list, 'CPU per completed request')?.measured).toBe('4.5 ms');
  });

  it('pairs x1 and x2 within each round and judges the median of the rounds', () => {
    const list = judged([
      run(1, 400, 4.4, 1),
      run(2, 260, 6.0, 1), // 0.65
      run(1, 300, 5.4, 2),
      run(2, 279, 5.8, 2), // 0.93
      run(1, 350, 4.7, 3),
      run(2, 322, 5.5, 3), // 0.92
    ]);
    // Across rounds the pairs would read 260/400 … 322/300; within them, 0.65, 0.93, 0.92.
    expect(target(list, 'end to end at x2')).toMatchObject({
      met: true,
      measured: '0.92 (median of 0.65, 0.93, 0.92)',
    });
    expect(target(list, 'CPU per completed request')).toMatchObject({
      met: true,
      measured: '4.7 ms (median of 4.4, 5.4, 4.7)',
    });
    expect(target(list, 'end to end ≥ 200')?.measured).toBe(
      'x1 #1: 400/s, x2 #1: 260/s, x1 #2: 300/s, x2 #2: 279/s, x1 #3: 350/s, x2 #3: 322/s',
    );
  });

  it('takes the median of the rounds for the ratio to the lean pipeline', () => {
    const list = judged(
      [run(1, 400, 4.4, 1), run(1, 300, 4.4, 2)],
      [
        { instances: 1, round: 1, linebacker: 400, lean: 500, ratio: 0.8 },
        { instances: 1, round: 2, linebacker: 300, lean: 290, ratio: 1.03 },
      ],
    );
    expect(target(list, 'end to end ≥ 0.9 × the lean')).toMatchObject({
      met: true,
      measured: '0.92 (median of 0.8, 1.03)',
    });
  });
});
