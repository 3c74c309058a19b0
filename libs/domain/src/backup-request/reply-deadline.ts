import type { RequestStatus } from './request-status';

/** The reason a request that never got a reply ends Failed with (its `replyMessageText`). */
export const NO_REPLY_FROM_INTERFACE = 'NoReplyFromInterface';

/**
 * True for the history row of a resend: recovery sent a `Sent` request to the interface again
 * after its reply deadline. The status stays `Sent`, so the row is a record, not a move.
 */
export function isResendEntry(from: RequestStatus | null, to: RequestStatus): boolean {
  return from === 'Sent' && to === 'Sent';
}
