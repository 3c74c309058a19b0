import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { receiveBackupRequest } from '@linebacker/domain';
import {
  aBackupJob,
  aNewRequest,
  aStoreStatusReply,
  FakeBackupJobService,
  RecordingBackupInterface,
} from '@linebacker/domain/testing';
import { waitFor } from '@linebacker/testing';
import type { StartedPipelineService } from '../run-pipeline-service';
import {
  openServiceTestEnvironment,
  type ServiceTestEnvironment,
} from '../testing/service-test-environment';
import { checkAllowedWorker } from './check-allowed.worker';
import { receiveStatusWorker } from './receive-status.worker';
import { sendToInterfaceWorker } from './send-to-interface.worker';
import { pipelineSubscriptions, SERVICES } from './subscriptions';
import type { Worker, WorkerContext } from './worker';

jest.setTimeout(60_000);

describe('a backup job deleted between the check and the Succeeded reply', () => {
  let environment: ServiceTestEnvironment;
  let intake: StartedPipelineService;
  let receiver: StartedPipelineService;
  const jobs = new FakeBackupJobService([aBackupJob({ daysToKeep: 3, holdFlag: true })]);
  const backupInterface = new RecordingBackupInterface();

  const start = (service: string, worker: (ctx: WorkerContext) => Worker) =>
    environment.start(
      service,
      worker,
      new Writable({ write: (_chunk, _encoding, done) => done() }),
    );

  beforeAll(async () => {
    environment = await openServiceTestEnvironment('jobfacts');
    intake = await start(SERVICES.checkAllowed, (ctx) => checkAllowedWorker(ctx, jobs));
    await start(SERVICES.sendToInterface, (ctx) =>
      sendToInterfaceWorker(ctx, backupInterface, { sendClaimTtlMs: 60_000 }),
    );
    receiver = await start(SERVICES.receiveStatus, (ctx) => receiveStatusWorker(ctx, jobs));
  });

  afterAll(() => environment?.close());

  it('still records the Backup, with the job as it was when allowed, and Succeeded', async () => {
    const { requests, backups, ids, clock } = intake.ctx;
    const { request } = await receiveBackupRequest({ requests, ids, clock }, aNewRequest());
    const id = request.backupRequestId;
    const status = async () => (await requests.findById(id))?.statusTypeCode;
    await waitFor(async () => (await status()) === 'Sent', 'Sent', 20_000, 50);
    expect(backupInterface.sent.map((sent) => sent.backupRequestId)).toEqual([id]);

    jobs.jobs.clear();
    const lookupsBeforeReply = jobs.lookups.length;
    await receiver.infrastructure.bus.publish({
      messageId: randomUUID(),
      type: 'store-status.received',
      correlationId: id,
      payload: { ...aStoreStatusReply(id) },
    });
    await waitFor(async () => (await status()) === 'Succeeded', 'Succeeded', 20_000, 50);

    expect(await backups.findByRequestId(id)).toMatchObject({
      backupRequestId: id,
      backupProviderCode: 'Local',
      daysToKeepCount: 3,
      holdFlag: true,
      dueToDeleteDate: '2024-03-18',
    });
    expect(jobs.lookups).toHaveLength(lookupsBeforeReply);
    const definition = pipelineSubscriptions(environment.config).receiveStatus;
    expect(await receiver.infrastructure.bus.deadLetters.depth(definition)).toBe(0);
  });
});
