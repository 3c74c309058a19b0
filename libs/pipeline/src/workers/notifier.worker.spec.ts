import type { BackupRequest, BackupRequestRepository } from '@linebacker/domain';
import { RecordingNotifier } from '@linebacker/domain/testing';
import { InMemoryMessageBus, type Envelope } from '@linebacker/messaging';
import { createLogger, createServiceMetrics, loadConfig } from '@linebacker/runtime';
import { capturedLines } from '@linebacker/testing';
import { notifierConfigSchema } from '../config/app-config-schemas';
import { notifierWorker } from './notifier.worker';
import type { WorkerContext } from './worker';

/** A repository that knows one request per id, in the status given. */
function requestsIn(statuses: Record<string, BackupRequest['statusTypeCode']>) {
  return {
    findById: async (id: string) =>
      statuses[id]
        ? ({ backupRequestId: id, statusTypeCode: statuses[id] } as BackupRequest)
        : null,
  } as unknown as BackupRequestRepository;
}

const endState = (backupRequestId: string) =>
  ({ messageId: `m-${backupRequestId}`, payload: { backupRequestId } }) as unknown as Envelope;

const delivery = (queue: string) => ({
  queue,
  redelivered: false,
  signal: AbortSignal.timeout(1000),
});

/** A notifier worker on `requests`, logging at `level` into `stream`. */
function workerContext(
  requests: BackupRequestRepository,
  stream = capturedLines().stream,
  level = 'info',
): WorkerContext {
  const config = loadConfig(notifierConfigSchema, {
    LINEBACKER_DATABASE_URL: 'postgres://unused',
    LINEBACKER_AMQP_URL: 'amqp://unused',
  });
  return {
    service: 'notifier',
    config,
    logger: createLogger({ service: 'notifier', stream, level }),
    metrics: createServiceMetrics('notifier'),
    requests,
    bus: new InMemoryMessageBus(),
  } as unknown as WorkerContext;
}

describe('notifierWorker', () => {
  it('counts each notified end state by status', async () => {
    const ctx = workerContext(requestsIn({ a: 'Succeeded', b: 'Failed', c: 'Succeeded' }));
    const { metrics } = ctx;
    const worker = notifierWorker(ctx, new RecordingNotifier());
    const endStates = worker.subscriptions[1];
    for (const id of ['a', 'b', 'c']) {
      await endStates?.handler(endState(id), delivery('notifier.end-states'));
    }
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'linebacker_requests_ended_total{status="Succeeded",service="notifier"} 2',
    );
    expect(text).toContain('linebacker_requests_ended_total{status="Failed",service="notifier"} 1');
  });

  it('logs the `sent` progress event at debug only, and acks it either way', async () => {
    for (const level of ['info', 'debug']) {
      const { lines, stream } = capturedLines();
      const worker = notifierWorker(workerContext(requestsIn({}), stream, level));
      const progress = worker.subscriptions[0];
      const sent = {
        ...endState('a'),
        correlationId: 'c-1',
      } as unknown as Envelope;
      expect(await progress?.handler(sent, delivery('notifier.progress'))).toBe('ok');
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines).toEqual(
        level === 'debug'
          ? [expect.objectContaining({ level: 'debug', requestId: 'a', correlationId: 'c-1' })]
          : [],
      );
    }
  });
});
