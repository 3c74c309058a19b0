import type { BackupJob } from '../backup-job/backup-job';
import type { RequestStatus } from '../backup-request/request-status';
import { EVENT_TYPES, type EventType } from '../messages/event-types';
import { requestEventMessageId } from '../messages/outbox-message';
import {
  receiveBackupRequest,
  type ReceiveBackupRequestDeps,
  type ReceiveBackupRequestInput,
} from '../use-cases/receive-backup-request/receive-backup-request.use-case';
import {
  checkAllowed,
  type CheckAllowedDeps,
} from '../use-cases/check-allowed/check-allowed.use-case';
import type { GetBackupRequestDeps } from '../use-cases/get-backup-request/get-backup-request.use-case';
import type { NotifyDeps } from '../use-cases/notify/notify.use-case';
import {
  receiveStatus,
  type ReceiveStatusDeps,
} from '../use-cases/receive-status/receive-status.use-case';
import type { RecoverDeps } from '../use-cases/recover/recover.use-case';
import {
  sendToInterface,
  type SendToInterfaceDeps,
} from '../use-cases/send-to-interface/send-to-interface.use-case';
import { FakeBackupJobService } from './fake-backup-job.service';
import { FakeClock } from './fake-clock';
import { aBackupJob, aNewRequest, aStoreStatusReply } from './fixtures';
import { InMemoryBackupRequestRepository } from './in-memory-backup-request.repository';
import { RecordingBackupInterface } from './recording-backup-interface';
import { RecordingNotifier } from './recording-notifier';
import { SequentialIdGenerator } from './sequential-id-generator';

/** Every fake wired together, with the deps each use case takes. */
export interface InMemoryPipeline {
  clock: FakeClock;
  ids: SequentialIdGenerator;
  requests: InMemoryBackupRequestRepository;
  jobs: FakeBackupJobService;
  backupInterface: RecordingBackupInterface;
  notifier: RecordingNotifier;
  intake: ReceiveBackupRequestDeps;
  checkAllowed: CheckAllowedDeps;
  sendToInterface: SendToInterfaceDeps;
  receiveStatus: ReceiveStatusDeps;
  recovery: RecoverDeps;
  notify: NotifyDeps;
  read: GetBackupRequestDeps;
}

/** Builds a pipeline of fakes; the job service knows `aBackupJob()` unless `jobs` is given. */
export function createInMemoryPipeline(
  options: { start?: Date | string; jobs?: BackupJob[] } = {},
): InMemoryPipeline {
  const clock = new FakeClock(options.start);
  const ids = new SequentialIdGenerator();
  const requests = new InMemoryBackupRequestRepository();
  const jobs = new FakeBackupJobService(options.jobs ?? [aBackupJob()]);
  const backupInterface = new RecordingBackupInterface();
  const notifier = new RecordingNotifier();
  return {
    clock,
    ids,
    requests,
    jobs,
    backupInterface,
    notifier,
    intake: { requests, ids, clock },
    checkAllowed: { requests, jobs, clock, service: 'check-allowed' },
    sendToInterface: {
      requests,
      backupInterface,
      clock,
      ids,
      service: 'send-to-interface',
      sendClaimTtlMs: 60_000,
    },
    receiveStatus: { requests, jobs, ids, clock, service: 'receive-status' },
    recovery: { requests, clock },
    notify: { requests, notifier },
    read: { requests, backups: requests },
  };
}

/**
 * Takes a new request through the real use cases into `status` and returns its id. For
 * NotAllowed the input's job must be unknown or inactive; the default input names an
 * unknown job then.
 */
export async function requestInStatus(
  pipeline: InMemoryPipeline,
  status: RequestStatus,
  input: ReceiveBackupRequestInput = aNewRequest(
    status === 'NotAllowed' ? { backupJobId: 'no-such-job' } : {},
  ),
): Promise<string> {
  const { request } = await receiveBackupRequest(pipeline.intake, input);
  const id = request.backupRequestId;
  const messageId = (type: EventType) => requestEventMessageId(id, type);
  if (status !== 'Received') {
    await checkAllowed(pipeline.checkAllowed, {
      backupRequestId: id,
      messageId: messageId(EVENT_TYPES.received),
    });
  }
  if (status === 'Sent' || status === 'Succeeded' || status === 'Failed') {
    await sendToInterface(pipeline.sendToInterface, {
      backupRequestId: id,
      messageId: messageId(EVENT_TYPES.allowed),
    });
  }
  if (status === 'Succeeded' || status === 'Failed') {
    const reply = aStoreStatusReply(id, { resultTypeCode: status });
    await receiveStatus(pipeline.receiveStatus, {
      reply,
      messageId: messageId(EVENT_TYPES.storeStatusReceived),
    });
  }
  const reached = (await pipeline.requests.findById(id))?.statusTypeCode;
  if (reached !== status) throw new Error(`request ${id} reached ${reached}, not ${status}`);
  return id;
}
