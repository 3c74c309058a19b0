import { formatReport } from './format-report';
import { runChaos } from './run-chaos';
import { CLUSTER_FAULT_KINDS, type FaultKind } from './schedule';
import { ciRunOptions as base } from './testing/ci-run-options';

// A private three-node cluster (its own names, ports and cookie: the shared broker is never
// touched), a private PostgreSQL and 16 processes. Exclusive, so `npm test` runs it alone:
// beside two other integration projects on two cores, intake calls timed out while a node
// booted, which measured the machine, not linebacker.
describe('a short seeded chaos run on a three-node RabbitMQ cluster', () => {
  it('ends clean after every node fault, with the cluster whole again before the drain', async () => {
    const faults: FaultKind[] = [...CLUSTER_FAULT_KINDS, 'kill-send'];
    const result = await runChaos({
      ...base('ci-cluster'),
      seed: 7,
      requests: 300,
      clusterNodes: 3,
      faults,
      faultIntervalMs: [1000, 2000],
      coverKinds: true,
    });
    console.log(formatReport(result.report, 7, result.durationMs));
    // Every node fault ran to its heal (the node back, the cluster whole) on a named node.
    for (const kind of CLUSTER_FAULT_KINDS) {
      const ran = result.faultRecords.filter((f) => f.kind === kind);
      expect({ kind, ran: ran.length > 0 }).toEqual({ kind, ran: true });
      for (const record of ran) {
        expect({ kind, error: record.error }).toEqual({ kind, error: undefined });
        expect(record.target).toMatch(/^chaos-\d+-[abc]@localhost$/);
        expect(record.detail).toMatch(/whole \d+ ms after/);
      }
    }
    // Intake was called while a node was out, so "202 throughout" was tried.
    const duringNodeFaults = Object.values(result.report.intake.duringBrokerOutage);
    expect(duringNodeFaults.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    expect(result.report.calls.accepted).toBeGreaterThan(100);
    expect(result.report.violations).toEqual([]);
  }, 600_000);
});
