import { formatReport } from './format-report';
import { runChaos } from './run-chaos';
import { FAULT_KINDS } from './schedule';
import { ciRunOptions as base } from './testing/ci-run-options';

// Each run starts a private PostgreSQL and RabbitMQ and 17 processes. The planted-bug run is
// planted-recovery.int.spec.ts, a file of its own so CI can run the two side by side.
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
});
