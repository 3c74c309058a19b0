import { REDRIVABLE_STATUSES } from '../../backup-request/request-status';
import { EVENT_FOR_STATUS, requestEvent } from '../../messages/outbox-message';
import type { Clock } from '../../ports/clock.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';

/** Dependencies of recovery. */
export interface RecoverDeps {
  requests: BackupRequestRepository;
  clock: Clock;
}

/** One recovery round's bounds. */
export interface RecoverInput {
  /** A request whose status has not changed for this long is stalled. */
  staleAfterMs: number;
  /**
   * At start-up: every redrivable request whose status changed before this instant counts
   * as stalled, however recent, because no message about it can be trusted to be in flight.
   */
  changedBefore?: Date;
  /** Requests claimed per transaction. */
  batchSize: number;
  /** Upper bound on batches in one round, so a round always ends. */
  maxBatches: number;
}

/**
 * Re-drives stalled Received and Allowed requests: each claimed request gets its status's
 * event written to the outbox again (same message id as the original). Claims use row
 * locks and a re-driven mark, so concurrent recovery instances never re-drive the same
 * request in the same round. Returns how many requests were re-driven.
 */
export async function recover(deps: RecoverDeps, input: RecoverInput): Promise<number> {
  let total = 0;
  // The bounds are fixed when the round starts: every request a batch claims is marked
  // re-driven at or after that instant, so a later batch of the same round cannot claim it
  // again, however small staleAfterMs is and however long the round takes.
  const staleBefore = new Date(deps.clock.now().getTime() - input.staleAfterMs);
  for (let batch = 0; batch < input.maxBatches; batch++) {
    const now = deps.clock.now();
    const claimed = await deps.requests.claimStalled(
      {
        statuses: REDRIVABLE_STATUSES,
        changedBefore: input.changedBefore ?? staleBefore,
        redrivenBefore: staleBefore,
        limit: input.batchSize,
        now,
      },
      (request) => [requestEvent(EVENT_FOR_STATUS[request.statusTypeCode], request, null, now)],
    );
    total += claimed.length;
    if (claimed.length < input.batchSize) break;
  }
  return total;
}
