import type { BackupRequest } from '../../backup-request/backup-request';
import { NO_REPLY_FROM_INTERFACE } from '../../backup-request/reply-deadline';
import { transition } from '../../backup-request/state-machine';
import { EVENT_TYPES } from '../../messages/event-types';
import { requestEvent, requestEventMessageId } from '../../messages/outbox-message';
import type { Clock } from '../../ports/clock.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import { moveDecision, runStep } from '../shared/step';

/** Dependencies of the reply deadline. */
export interface EnforceReplyDeadlineDeps {
  requests: BackupRequestRepository;
  clock: Clock;
  service: string;
}

/** One round's settings. */
export interface EnforceReplyDeadlineInput {
  /** How long a request waits in `Sent` for its reply, after its send and after each resend. */
  replyTimeoutMs: number;
  /** Resends before the request ends Failed with NoReplyFromInterface. */
  maxResends: number;
  /** Requests claimed per transaction. */
  batchSize: number;
  /** Upper bound on batches in one round, so a round always ends. */
  maxBatches: number;
}

/** What one round did, by request id. */
export interface ReplyDeadlineOutcome {
  resent: string[];
  failed: string[];
}

/**
 * The `n`th deadline of a request (1-based): resend `n` while resends are left, the failure
 * after the last. Fixed per request and deadline, so a copy the outbox publishes twice is
 * recognisable as the same resend.
 */
export function replyDeadlineMessageId(backupRequestId: string, n: number): string {
  return `${requestEventMessageId(backupRequestId, EVENT_TYPES.replyOverdue)}:${n}`;
}

/**
 * The reply deadline (SPEC §5.7, ADR 0210). A request in `Sent` whose reply has not come
 * within `replyTimeoutMs` of its send (or of its last resend) is re-sent to the interface,
 * under its own message id, by a `backup-request.reply-overdue` event that send-to-interface
 * acts on; once `maxResends` resends went unanswered it moves to Failed with
 * NoReplyFromInterface through the normal status change (history, `backup-request.failed`,
 * the notifier). Claims use row locks, so concurrent instances never resend one request twice
 * for one deadline; the move to Failed is a compare-and-set, so a reply that lands first wins.
 */
export async function enforceReplyDeadline(
  deps: EnforceReplyDeadlineDeps,
  input: EnforceReplyDeadlineInput,
): Promise<ReplyDeadlineOutcome> {
  const outcome: ReplyDeadlineOutcome = { resent: [], failed: [] };
  for (let batch = 0; batch < input.maxBatches; batch++) {
    const now = deps.clock.now();
    const found = await deps.requests.claimOverdueReplies(
      {
        sentBefore: new Date(now.getTime() - input.replyTimeoutMs),
        maxResends: input.maxResends,
        limit: input.batchSize,
        now,
        by: deps.service,
      },
      (request, n) => ({
        ...requestEvent(EVENT_TYPES.replyOverdue, request, null, now),
        messageId: replyDeadlineMessageId(request.backupRequestId, n),
      }),
    );
    outcome.resent.push(...found.resent.map((request) => request.backupRequestId));
    for (const request of found.exhausted) {
      if (await failForNoReply(deps, request, input.maxResends + 1)) {
        outcome.failed.push(request.backupRequestId);
      }
    }
    if (found.resent.length + found.exhausted.length < input.batchSize) break;
  }
  return outcome;
}

/** Sent → Failed (NoReplyFromInterface); false when a reply got there first. */
async function failForNoReply(
  deps: EnforceReplyDeadlineDeps,
  found: BackupRequest,
  deadline: number,
): Promise<boolean> {
  const messageId = replyDeadlineMessageId(found.backupRequestId, deadline);
  const result = await runStep(deps.requests, found.backupRequestId, async (request) => {
    const move = transition(request.statusTypeCode, { type: 'no-reply' });
    if (move.outcome === 'noop') return { kind: 'done', reason: move.reason };
    if (move.outcome === 'illegal') throw move.error;
    const cause = { at: deps.clock.now(), by: deps.service, messageId };
    return moveDecision(request, move, cause, {
      patch: { replyMessageText: NO_REPLY_FROM_INTERFACE },
    });
  });
  return result.outcome === 'applied';
}
