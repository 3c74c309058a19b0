import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import { formatReport } from './format-report';
import { runChaos, type ChaosOptions } from './run-chaos';
import { FAULT_KINDS } from './schedule';

const base = (name: string): Omit<ChaosOptions, 'seed' | 'requests' | 'faults'> => ({
  ratePerSecond: 10,
  faultIntervalMs: [1500, 3500],
  instances: 2,
  drainTimeoutMs: 150_000,
  requestTimeoutMs: 15_000,
  outDir: join(WORKSPACE_ROOT, 'tmp', `chaos-${name}`),
  plant: 'none',
  log: (message) => console.log(`[chaos] ${message}`),
});

// Each run starts a private PostgreSQL and RabbitMQ and 17 processes: one at a time.
describe('a short seeded chaos run', () => {
  it('ends clean: nothing lost, phantom, illegal, duplicated, left behind or crashed', async () => {
    const result = await runChaos({
      ...base('ci'),
      seed: 7,
      requests: 300,
      faults: FAULT_KINDS,
      faultIntervalMs: [1000, 2000],
      coverKinds: true,
    });
    console.log(formatReport(result.report, 7, result.durationMs));
    // Every kind of fault was injected, and intake was called while only the broker was down
    // (so "202 while the broker is down" was tried, not passed for want of calls).
    expect(Object.keys(result.report.faults).sort()).toEqual([...FAULT_KINDS].sort());
    const brokerDownCalls = Object.values(result.report.intake.duringBrokerOutage);
    expect(brokerDownCalls.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    expect(result.report.calls.accepted).toBeGreaterThan(100);
    expect(result.report.violations).toEqual([]);
  }, 480_000);

  it('catches the planted bug "recovery disabled": dead-lettered requests are never re-driven', async () => {
    const result = await runChaos({
      ...base('planted'),
      seed: 11,
      requests: 100,
      faults: ['jobs-error'],
      faultIntervalMs: [500, 1000],
      plant: 'no-recovery',
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
