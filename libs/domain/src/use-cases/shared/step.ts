import type { Backup } from '../../backup/backup';
import {
  timestampPatchFor,
  type BackupRequest,
  type RequestPatch,
} from '../../backup-request/backup-request';
import { EVENT_FOR_STATUS, requestEvent } from '../../messages/outbox-message';
import type { RequestStatus } from '../../backup-request/request-status';
import { RequestNotFoundError } from '../../errors/domain-errors';
import { ConcurrentUpdateError } from '../../errors/domain-errors';
import type { BackupRequestRepository, StatusChange } from '../../ports/backup-request.repository';

/** What a pipeline step did: it moved the request, or found the work already done. */
export type StepResult =
  | { outcome: 'applied'; from: RequestStatus; to: RequestStatus }
  | { outcome: 'already-done'; status: RequestStatus; reason: string };

/** A step's decision for the request as it is now: a change to apply, or nothing to do. */
export type StepDecision =
  { kind: 'change'; change: StatusChange } | { kind: 'done'; reason: string };

/**
 * How often a step re-reads after losing a compare-and-set. Every lost race means the status
 * moved forward, and the status can only move forward a few times, so this bound is never
 * reached by honest contention; reaching it signals a bug and is reported as transient.
 */
const MAX_CAS_ROUNDS = 5;

/**
 * Runs one idempotent step: read the request, decide, compare-and-set; after a lost race,
 * read again and decide again. `decide` may do I/O (a job lookup, a send) and may throw.
 */
export async function runStep(
  requests: BackupRequestRepository,
  backupRequestId: string,
  decide: (request: BackupRequest) => Promise<StepDecision>,
): Promise<StepResult> {
  for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
    const request = await requests.findById(backupRequestId);
    if (request === null) throw new RequestNotFoundError(backupRequestId);
    const decision = await decide(request);
    if (decision.kind === 'done') {
      return { outcome: 'already-done', status: request.statusTypeCode, reason: decision.reason };
    }
    const { change } = decision;
    if ((await requests.applyChange(change)) === 'applied') {
      return { outcome: 'applied', from: change.from, to: change.to };
    }
  }
  throw new ConcurrentUpdateError(backupRequestId);
}

/** Who caused a move and when: recorded in the history and on the announcing event. */
export interface MoveCause {
  at: Date;
  by: string;
  messageId: string;
}

/**
 * The decision to move a request: the new status's timestamp (plus any extra patch), the
 * history fields, the optional Backup, and the event announcing the new status, all of which
 * the repository commits together.
 */
export function moveDecision(
  request: BackupRequest,
  move: { from: RequestStatus; to: RequestStatus },
  cause: MoveCause,
  extra: { patch?: RequestPatch; backup?: Backup } = {},
): StepDecision {
  return {
    kind: 'change',
    change: {
      backupRequestId: request.backupRequestId,
      from: move.from,
      to: move.to,
      at: cause.at,
      patch: { ...timestampPatchFor(move.to, cause.at), ...extra.patch },
      by: cause.by,
      messageId: cause.messageId,
      ...(extra.backup ? { backup: extra.backup } : {}),
      outbox: [requestEvent(EVENT_FOR_STATUS[move.to], request, cause.messageId, cause.at)],
    },
  };
}
