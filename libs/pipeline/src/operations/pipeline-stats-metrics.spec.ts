import { Registry } from 'prom-client';
import { registerPipelineStatsGauges } from './pipeline-stats-metrics';
import type { PipelineStats } from './pipeline-stats';

const stats = (over: Partial<PipelineStats> = {}): PipelineStats => ({
  dependencies: { database: 'up', broker: 'down' },
  queues: {
    'check-allowed.backup-request.received': {
      queue: 'ns.check-allowed.backup-request.received',
      messages: 7,
      consumers: 2,
      retrying: 1,
      deadLetters: 3,
    },
    'notifier.end-states': { error: 'channel closed' },
  },
  outbox: { count: 0, oldestAgeMs: 0 },
  requests: { Received: 1, Allowed: 0, NotAllowed: 0, Sent: 4, Succeeded: 9, Failed: 2 },
  ...over,
});

async function scrape(registry: Registry): Promise<string> {
  return registry.metrics();
}

describe('registerPipelineStatsGauges', () => {
  it('exposes queue depths, dead letters, requests by status and dependencies', async () => {
    const registry = new Registry();
    registerPipelineStatsGauges(registry, async () => stats());
    const text = await scrape(registry);
    const sub = 'subscription="check-allowed.backup-request.received"';
    expect(text).toContain(`linebacker_queue_messages{${sub}} 7`);
    expect(text).toContain(`linebacker_queue_consumers{${sub}} 2`);
    expect(text).toContain(`linebacker_queue_retrying{${sub}} 1`);
    expect(text).toContain(`linebacker_queue_dead_letters{${sub}} 3`);
    expect(text).toContain('linebacker_requests_in_status{status="Sent"} 4');
    expect(text).toContain('linebacker_dependency_up{dependency="database"} 1');
    expect(text).toContain('linebacker_dependency_up{dependency="broker"} 0');
  });

  it('leaves out a queue that could not be read instead of keeping its last depth', async () => {
    const registry = new Registry();
    let current = stats();
    registerPipelineStatsGauges(registry, async () => current);
    await scrape(registry);
    current = stats({ queues: { 'notifier.end-states': { error: 'timeout' } }, requests: null });
    const text = await scrape(registry);
    expect(text).not.toContain('check-allowed.backup-request.received');
    expect(text).not.toMatch(/linebacker_requests_in_status\{/);
  });
});
