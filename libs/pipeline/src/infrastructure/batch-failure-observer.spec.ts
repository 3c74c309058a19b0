import { DependencyUnavailableError } from '@linebacker/domain';
import { createLogger, createServiceMetrics } from '@linebacker/runtime';
import { capturedLines } from '@linebacker/testing';
import { batchFailureObserver } from './batch-failure-observer';

describe('batchFailureObserver', () => {
  it('logs a failed database batch as a warning and counts it by kind', async () => {
    const { lines, stream } = capturedLines();
    const logger = createLogger({ service: 'test', stream });
    const metrics = createServiceMetrics('test');
    const observe = batchFailureObserver(logger, metrics);
    const outage = new DependencyUnavailableError('postgresql', 'connection terminated');

    observe({ kind: 'changes', size: 7, error: outage });
    observe({ kind: 'changes', size: 2, error: outage });
    observe({ kind: 'reads', size: 3, error: outage });

    expect(lines[0]).toMatchObject({
      level: 'warn',
      message: 'database batch failed',
      kind: 'changes',
      size: 7,
      error: expect.stringContaining('connection terminated'),
    });
    expect(lines).toHaveLength(3);
    const counter = (await metrics.registry.getMetricsAsJSON()).find(
      (metric) => metric.name === 'linebacker_db_batch_failures_total',
    );
    expect(counter?.values.map(({ labels, value }) => [labels['kind'], value])).toEqual([
      ['changes', 2],
      ['reads', 1],
    ]);
  });
});
