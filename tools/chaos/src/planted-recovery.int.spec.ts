import { formatReport } from './format-report';
import { runChaos } from './run-chaos';
import { ciRunOptions as base } from './testing/ci-run-options';

// The harness must be able to fail: without recovery, dead-lettered requests stay lost.
describe('a chaos run with a planted bug', () => {
  it('catches the planted bug "recovery disabled": dead-lettered requests are never re-driven', async () => {
    const result = await runChaos({
      ...base('planted'),
      seed: 11,
      requests: 100,
      faults: ['jobs-error'],
      faultIntervalMs: [500, 1000],
      plant: 'no-recovery',
      // One of each worker: the planted bug shows the same way, for 8 processes instead of 14.
      instances: 1,
      drainTimeoutMs: 20_000,
      // A small retry budget: a job service failing for seconds exhausts it, so requests
      // end in the dead-letter queue, from where only recovery brings them back.
      extraEnv: { LINEBACKER_RETRY_MAX_ATTEMPTS: '2', LINEBACKER_RETRY_INITIAL_DELAY_MS: '100' },
    });
    console.log(formatReport(result.report, 11, result.durationMs));
    expect(result.report.lost.length).toBeGreaterThan(0);
    expect(result.report.queues.unexplained.length).toBeGreaterThan(0);
    expect(result.report.ok).toBe(false);
  }, 480_000);
});
