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

describe('notifierWorker', () => {
  it('counts each notified end state by status', async () => {
    const config = loadConfig(notifierConfigSchema, {
      LINEBACKER_DATABASE_URL: 'postgres://unused',
      LINEBACKER_AMQP_URL: 'amqp://unused',
    });
    const metrics = createServiceMetrics('notifier');
    const requests = requestsIn({ a: 'Succeeded', b: 'Failed', c: 'Succeeded' });
    const ctx = {
      service: 'notifier',
      config,
      logger: createLogger({ service: 'notifier', stream: capturedLines().stream }),
      metrics,
      requests,
      bus: new InMemoryMessageBus(),
    } as unknown as WorkerContext;
    const worker = notifierWorker(ctx, new RecordingNotifier());
    const endStates = worker.subscriptions[1];
    const delivery = {
      queue: 'notifier.end-states',
      redelivered: false,
      signal: AbortSignal.timeout(1000),
    };
    for (const id of ['a', 'b', 'c']) await endStates?.handler(endState(id), delivery);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'linebacker_requests_ended_total{status="Succeeded",service="notifier"} 2',
    );
    expect(text).toContain('linebacker_requests_ended_total{status="Failed",service="notifier"} 1');
  });
});
