import { UnavailableError } from '@linebacker/domain';
import { InMemoryBackupRequestRepository } from '@linebacker/domain/testing';
import { InMemoryMessageBus } from '@linebacker/messaging';
import { allSubscriptions } from '../workers/subscriptions';
import { collectPipelineStats, type PipelineStatsSources } from './pipeline-stats';

const policy = {
  prefetch: 10,
  retryMaxAttempts: 3,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 400,
  handlerTimeoutMs: 1000,
};
const never = () => new Promise<never>(() => undefined);

describe('collectPipelineStats', () => {
  let bus: InMemoryMessageBus;
  let sources: PipelineStatsSources;

  beforeEach(async () => {
    bus = new InMemoryMessageBus();
    await bus.declare(allSubscriptions(policy));
    await bus.start();
    sources = {
      requests: new InMemoryBackupRequestRepository(),
      outbox: { backlog: async () => ({ count: 3, oldestAgeMs: 1500 }) },
      bus,
      subscriptions: allSubscriptions(policy),
      pingDatabase: async () => undefined,
      timeoutMs: 200,
    };
  });
  afterEach(() => bus.stop(100));

  it('reports every dependency up, each queue, the outbox and requests by status', async () => {
    await bus.publish({
      messageId: 'm-1',
      type: 'backup-request.received',
      correlationId: 'c-1',
      payload: { backupRequestId: '6f1c1d4e-8f55-4a59-9a3e-3c8e7b0f4e21' },
    });
    const stats = await collectPipelineStats(sources);
    expect(stats.dependencies).toEqual({ database: 'up', broker: 'up' });
    expect(stats.queues['check-allowed.backup-request.received']).toEqual({
      queue: 'check-allowed.backup-request.received',
      messages: 1,
      consumers: 0,
      retrying: 0,
      deadLetters: 0,
    });
    expect(Object.keys(stats.queues)).toHaveLength(allSubscriptions(policy).length);
    expect(stats.outbox).toEqual({ count: 3, oldestAgeMs: 1500 });
    expect(stats.requests).toMatchObject({ Received: 0, Succeeded: 0 });
  });

  it('answers within its timeout with the database down when PostgreSQL hangs', async () => {
    const started = Date.now();
    const stats = await collectPipelineStats({
      ...sources,
      pingDatabase: never,
      requests: { countByStatus: never },
      outbox: { backlog: never },
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stats).toMatchObject({
      dependencies: { database: 'down', broker: 'up' },
      outbox: null,
      requests: null,
    });
  });

  it('reports the broker down, with the reason per queue, when no queue can be read', async () => {
    const stats = await collectPipelineStats({
      ...sources,
      bus: {
        queueStats: async () => {
          throw new UnavailableError('BrokerUnavailable', 'not connected to the broker');
        },
      },
    });
    expect(stats.dependencies).toEqual({ database: 'up', broker: 'down' });
    expect(stats.queues['recovery.recovery.requested']).toEqual({
      error: 'not connected to the broker',
    });
    const hanging = await collectPipelineStats({ ...sources, bus: { queueStats: never } });
    expect(hanging.dependencies.broker).toBe('down');
    expect(hanging.queues['notifier.end-states']).toEqual({
      error: expect.stringMatching(/no answer within 200 ms/),
    });
  });
});
