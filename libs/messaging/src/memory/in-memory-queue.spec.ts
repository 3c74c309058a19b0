import { waitFor } from '@linebacker/testing';
import { describeExternalQueueContract } from '../testing/external-queue.contract';
import { InMemoryBackupInterface, InMemoryQueue } from './in-memory-queue';

describeExternalQueueContract('InMemoryQueue', async () => {
  const queue = new InMemoryQueue('interface.replies');
  return {
    send: async (body, messageId) => queue.send(body, { messageId }),
    parked: async () =>
      queue.parked().map((m) => ({ body: m.body.toString(), headers: m.headers })),
    depth: async () => queue.depth(),
    consumer: (handler, onMessage) =>
      queue.consumer(handler, { observer: { onMessage }, pauseInitialDelayMs: 300 }),
    cleanup: async () => undefined,
  };
});

describe('InMemoryBackupInterface', () => {
  it('enqueues the request as JSON with message id = backupRequestId', async () => {
    const queue = new InMemoryQueue('interface.requests');
    const seen: Array<{ id?: string; body: string }> = [];
    const consumer = queue.consumer(
      async (m) => void seen.push({ id: m.messageId, body: m.body.toString() }),
    );
    await consumer.start();
    const request = {
      backupRequestId: 'r-1',
      backupJobId: 'job',
      dataDate: '2024-01-31',
      preparedDataPathName: '/data',
      storagePathName: '/store',
      backupProviderCode: 'Local' as const,
    };
    await new InMemoryBackupInterface(queue).send(request);
    await waitFor(() => seen.length === 1, 'the request');
    expect(seen[0]).toEqual({ id: 'r-1', body: JSON.stringify(request) });
    await consumer.stop(100);
  });
});
