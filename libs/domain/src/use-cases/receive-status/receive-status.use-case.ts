import { backupFromReply, jobFactsCaptured, type BackupJobFacts } from '../../backup/backup';
import type { BackupRequest } from '../../backup-request/backup-request';
import { clipText, REQUEST_LIMITS, timestampPatchFor } from '../../backup-request/backup-request';
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
import { moveDecision, runStep, type MoveCause, type StepResult } from '../shared/step';

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
 * Applies the reply rules of SPEC §1. A Succeeded reply creates the Backup, from the job facts
 * the request captured when it was allowed, in the same transaction as the move to Succeeded;
 * a Failed reply never touches a Succeeded request; a reply for a Received or NotAllowed
 * request is illegal.
 */
export async function receiveStatus(
  deps: ReceiveStatusDeps,
  input: ReceiveStatusInput,
): Promise<StepResult> {
  const { reply } = input;
  return runStep(deps.requests, reply.backupRequestId, async (found) => {
    const cause = { at: deps.clock.now(), by: deps.service, messageId: input.messageId };
    const request = await recordImpliedSend(deps.requests, found, cause);
    const result = transition(request.statusTypeCode, {
      type: 'reply',
      result: reply.resultTypeCode,
    });
    if (result.outcome === 'noop') return { kind: 'done', reason: result.reason };
    if (result.outcome === 'illegal') throw result.error;
    let backup;
    if (result.to === 'Succeeded') {
      const facts = jobFactsCaptured(request) ?? (await jobFactsAtReply(deps.jobs, request));
      backup = backupFromReply(deps.ids.newId(), request, facts, reply);
    }
    const replyMessageText = clipText(reply.messageText, REQUEST_LIMITS.replyMessageTextMax);
    return moveDecision(request, result, cause, { patch: { replyMessageText }, backup });
  });
}

/**
 * A reply for a request still `Allowed` proves the interface had it: send-to-interface sent it
 * and its `Allowed → Sent` commit has not landed yet (ADR 0212). The reply records that move
 * first, with its own commit, so the history and the progress event keep `Sent`; the late
 * commit of send-to-interface then finds the request moved on and does nothing. The request
 * as it is after the move is returned. A conflict means another writer moved it first (that
 * commit, or a copy of the reply): the reply's compare-and-set from `Sent` then decides, and
 * after a lost race the step reads again. A crash between the two commits leaves the request
 * `Sent`, where the redelivered reply applies as usual.
 */
async function recordImpliedSend(
  requests: BackupRequestRepository,
  request: BackupRequest,
  cause: MoveCause,
): Promise<BackupRequest> {
  if (request.statusTypeCode !== 'Allowed') return request;
  const sent = transition(request.statusTypeCode, { type: 'sent' });
  if (sent.outcome !== 'move') return request;
  const decision = moveDecision(request, sent, cause);
  if (decision.kind === 'change') await requests.applyChange(decision.change);
  const moved = { statusTypeCode: sent.to, statusTimestamp: cause.at };
  return { ...request, ...moved, ...timestampPatchFor(sent.to, cause.at) };
}

/**
 * The job facts of a request allowed before they were captured (ADR 0211): re-read from the
 * job. A job deleted since cannot strand the request, because the data is stored whatever we
 * know of the job: the Backup is recorded on hold with no retention (kept until an operator
 * decides), which no retention rule can delete by mistake.
 */
async function jobFactsAtReply(
  jobs: BackupJobService,
  request: BackupRequest,
): Promise<BackupJobFacts> {
  const job = await findJobWaitingOutFailures(jobs, request.backupJobId);
  if (job !== null) return job;
  // Every request past Allowed has its provider (check-allowed set it); one without is a row
  // nothing here can complete.
  if (request.backupProviderCode === null) throw new BackupJobNotFoundError(request.backupJobId);
  return { backupProviderCode: request.backupProviderCode, daysToKeep: 0, holdFlag: true };
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
