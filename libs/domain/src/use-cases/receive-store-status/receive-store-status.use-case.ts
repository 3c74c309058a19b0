import { backupFromReply } from '../../backup/backup';
import { clipText, REQUEST_LIMITS } from '../../backup-request/backup-request';
import { transition } from '../../backup-request/state-machine';
import { BackupJobNotFoundError } from '../../errors/domain-errors';
import type { Clock, IdGenerator } from '../../ports/clock.port';
import type { BackupJobService } from '../../ports/external.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import type { StoreStatusReply } from '../../store-status/store-status';
import { moveDecision, runStep, type StepResult } from '../shared/step';

/** Dependencies of the receive-status step. */
export interface ReceiveStoreStatusDeps {
  requests: BackupRequestRepository;
  jobs: BackupJobService;
  ids: IdGenerator;
  clock: Clock;
  service: string;
}

/** A status reply and the id of the message that carried it. */
export interface ReceiveStoreStatusInput {
  reply: StoreStatusReply;
  messageId: string;
}

/**
 * Applies the reply rules of SPEC §1. A Succeeded reply creates the Backup (retention re-read
 * from the job now) in the same transaction as the move to Succeeded; a Failed reply never
 * touches a Succeeded request; a reply for a Received or NotAllowed request is illegal.
 */
export async function receiveStoreStatus(
  deps: ReceiveStoreStatusDeps,
  input: ReceiveStoreStatusInput,
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
      const job = await deps.jobs.findJob(request.backupJobId);
      if (job === null) throw new BackupJobNotFoundError(request.backupJobId);
      backup = backupFromReply(deps.ids.newId(), request, job, reply);
    }
    const cause = { at: deps.clock.now(), by: deps.service, messageId: input.messageId };
    const replyMessageText = clipText(reply.messageText, REQUEST_LIMITS.replyMessageTextMax);
    return moveDecision(request, result, cause, { patch: { replyMessageText }, backup });
  });
}
