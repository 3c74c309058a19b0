import { randomUUID } from 'node:crypto';
import { receiveBackupRequest, checkAllowed, sendToInterface } from '@linebacker/domain';
import {
  aBackupJob,
  aNewRequest,
  aStoreStatusReply,
  FakeBackupJobService,
  RecordingBackupInterface,
} from '@linebacker/domain/testing';
import { subscriptionQueueNames } from '@linebacker/messaging';
import { capturedLines, publishToQueue, waitFor } from '@linebacker/testing';
import type { StartedPipelineService } from '../run-pipeline-service';
import {
  openServiceTestEnvironment,
  type ServiceTestEnvironment,
} from '../testing/service-test-environment';
import { receiveStatusWorker } from './receive-status.worker';
import { pipelineSubscriptions, SERVICES } from './subscriptions';

jest.setTimeout(60_000);

describe('receive-status on RabbitMQ and PostgreSQL, given a forged message', () => {
  let environment: ServiceTestEnvironment;
  let service: StartedPipelineService;
  const log = capturedLines();

  beforeAll(async () => {
    environment = await openServiceTestEnvironment('forged');
    service = await environment.start(
      SERVICES.receiveStatus,
      (ctx) => receiveStatusWorker(ctx, new FakeBackupJobService([aBackupJob()])),
      log.stream,
    );
  });

  afterAll(() => environment?.close());

  /** A request taken to Sent by the real use cases: a Failed reply would now apply. */
  async function aSentRequest(): Promise<string> {
    const { requests, clock, ids } = service.ctx;
    const step = { requests, clock };
    const { request } = await receiveBackupRequest({ requests, ids, clock }, aNewRequest());
    const id = request.backupRequestId;
    const jobs = new FakeBackupJobService([aBackupJob()]);
    await checkAllowed(
      { ...step, jobs, service: 'check-allowed' },
      { backupRequestId: id, messageId: 'a' },
    );
    const backupInterface = new RecordingBackupInterface();
    await sendToInterface(
      { ...step, backupInterface, ids, service: 'send-to-interface', sendClaimTtlMs: 60_000 },
      { backupRequestId: id, messageId: 's' },
    );
    return id;
  }

  /** Everything the database holds about one request. */
  async function snapshot(id: string) {
    const { requests, backups } = service.ctx;
    return {
      request: await requests.findById(id),
      history: await requests.history(id),
      backup: await backups.findByRequestId(id),
    };
  }

  it('dead-letters a backup-request.allowed put in its queue as UnexpectedType and changes nothing', async () => {
    const id = await aSentRequest();
    const before = await snapshot(id);
    expect(before.request?.statusTypeCode).toBe('Sent');
    const definition = pipelineSubscriptions(service.ctx.config).receiveStatus;
    const messageId = randomUUID();
    const forged = {
      envelopeVersion: 1,
      messageId,
      type: 'backup-request.allowed',
      typeVersion: 1,
      correlationId: id,
      causationId: null,
      occurredAt: new Date().toISOString(),
      attempt: 1,
      payload: { backupRequestId: id },
    };
    const queue = subscriptionQueueNames(definition, environment.namespace).main;
    await publishToQueue(environment.brokerUrl, queue, Buffer.from(JSON.stringify(forged)));

    const { bus } = service.infrastructure;
    await waitFor(
      async () => (await bus.deadLetters.depth(definition)) === 1,
      'the dead letter',
      15_000,
    );
    const [letter] = await bus.deadLetters.list(definition, 10);
    expect(letter).toMatchObject({ errorCode: 'UnexpectedType', envelope: forged });
    expect(letter?.reason).toMatch(/type backup-request\.allowed is not one of/);
    expect(await snapshot(id)).toEqual(before);
    const lines = log.lines.filter((line) => line['messageId'] === messageId);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        outcome: 'dead-lettered',
        errorCode: 'UnexpectedType',
        reason: letter?.reason,
      }),
    ]);

    // The queue is not blocked: the genuine reply behind it is applied.
    await bus.publish({
      messageId: randomUUID(),
      type: 'store-status.received',
      correlationId: id,
      payload: { ...aStoreStatusReply(id) },
    });
    await waitFor(
      async () => (await snapshot(id)).request?.statusTypeCode === 'Succeeded',
      'the genuine reply',
      15_000,
    );
  });
});
