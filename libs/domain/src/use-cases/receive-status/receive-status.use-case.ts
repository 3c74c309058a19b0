import { backupFromReply } from '../../backup/backup';
import { clipText, REQUEST_LIMITS } from '../../backup-request/backup-request';
import { transition } from '../../backup-request/state-machine';
import {
  BackupJobNotFoundError,
  DependencyFailedError,
  DependencyUnavailableError,
} from '../../errors/domain-errors';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/id-generator.port';
import type { BackupJobService } from '../../ports/backup-job-service.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import type { StoreStatusReply } from '../../store-status/store-status';
import { moveDecision, runStep, type StepResult } from '../shared/step';

/** Dependencies of the receive-status step. */
export interface ReceiveStatusDeps {
  requests: BackupRequestRepository;
  jobs: BackupJobService;
  ids: IdGenerator;
  clock: Clock;
  service: string;
}

/** A status reply and the id of the message that carried it. */
export interface ReceiveStatusInput {
  reply: StoreStatusReply;
  messageId: string;
}

/**
 * Applies the reply rules of SPEC §1. A Succeeded reply creates the Backup (retention re-read
 * from the job now) in the same transaction as the move to Succeeded; a Failed reply never
 * touches a Succeeded request; a reply for a Received or NotAllowed request is illegal.
 */
export async function receiveStatus(
  deps: ReceiveStatusDeps,
  input: ReceiveStatusInput,
): Promise<StepResult> {
  const { reply } = input;
  return runStep(deps.requests, reply.backupRequestId, async (request) => {
    const result = transition(request.statusTypeCode, {
      type: 'reply',
      result: reply.resultTypeCode,
    });
    if (result.outcome === 'noop') return { kind: 'done', reason: result.reason };
    if (result.outcome === 'illegal') throw result.error;
    let backup;
    if (result.to === 'Succeeded') {
      const job = await findJobWaitingOutFailures(deps.jobs, request.backupJobId);
      if (job === null) throw new BackupJobNotFoundError(request.backupJobId);
      backup = backupFromReply(deps.ids.newId(), request, job, reply);
    }
    const cause = { at: deps.clock.now(), by: deps.service, messageId: input.messageId };
    const replyMessageText = clipText(reply.messageText, REQUEST_LIMITS.replyMessageTextMax);
    return moveDecision(request, result, cause, { patch: { replyMessageText }, backup });
  });
}

/**
 * Reads the job for a reply. A reply cannot be asked for again, and recovery never re-drives a
 * `Sent` request (that would send it to the interface twice), so a dead-lettered reply would
 * leave its request in `Sent` for good. A failing job service (5xx, timeouts) is therefore
 * reported as unavailable: the reply is retried without using up its attempts, and the
 * subscription pauses, until the service answers again (SPEC §5.1: given the dependencies
 * come back, every request ends).
 */
async function findJobWaitingOutFailures(jobs: BackupJobService, backupJobId: string) {
  try {
    return await jobs.findJob(backupJobId);
  } catch (error) {
    if (!(error instanceof DependencyFailedError)) throw error;
    const dependency = String(error.details['dependency'] ?? 'backup job service');
    throw new DependencyUnavailableError(
      dependency,
      `failing (${error.message}); the reply waits until it answers`,
      error,
    );
  }
}
