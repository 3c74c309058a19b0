import { PermanentError, UnavailableError, type LinebackerError } from '@linebacker/domain';

/**
 * AMQP 0-9-1 reply codes after which reconnecting and replaying the same set-up fails the
 * same way until a human changes the broker or our configuration. At start-up they fail
 * `start()` at once (no point retrying); once running we keep retrying at the longest delay
 * and report them as errors, because the operator may fix the broker while we wait.
 */
export const IRRECOVERABLE_REPLY_CODES: ReadonlyMap<number, string> = new Map([
  // Wrong vhost path in the URL.
  [402, 'INVALID_PATH'],
  // Wrong credentials or missing permissions on the vhost.
  [403, 'ACCESS_REFUSED'],
  // A queue or exchange exists with other arguments (e.g. classic vs quorum, another
  // delivery limit). Re-declaring cannot change it: delete it or use a policy.
  [406, 'PRECONDITION_FAILED'],
  // The vhost does not exist or the user may not open it.
  [530, 'NOT_ALLOWED'],
  // Protocol violations are bugs in the client; the same code repeats them.
  [501, 'FRAME_ERROR'],
  [502, 'SYNTAX_ERROR'],
  [503, 'COMMAND_INVALID'],
  [504, 'CHANNEL_ERROR'],
  [505, 'UNEXPECTED_FRAME'],
  [540, 'NOT_IMPLEMENTED'],
]);

// Deliberately NOT irrecoverable: 320 CONNECTION_FORCED (broker restart, management close),
// 404 NOT_FOUND (we re-declare our own topology on reconnect), 405 RESOURCE_LOCKED
// (an exclusive owner may go away), 506 RESOURCE_ERROR and 541 INTERNAL_ERROR (broker
// trouble that passes), 311-313 (per-message conditions).

/**
 * The reply code carried by an amqplib error: `code` on channel and connection closes, or
 * parsed from the handshake message ("… 403 (ACCESS-REFUSED) …"). A refused vhost shows up
 * only as "Expected ConnectionOpenOk; got <ConnectionClose …>", which is 530.
 */
export function replyCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'number') return code;
  const text = typeof message === 'string' ? message : '';
  const match = /\b(\d{3}) \([A-Z-]+\)/.exec(text);
  if (match) return Number(match[1]);
  if (text.includes('Expected ConnectionOpenOk')) return 530;
  return undefined;
}

/** True when the error's reply code is in IRRECOVERABLE_REPLY_CODES. */
export function isIrrecoverable(error: unknown): boolean {
  const code = replyCodeOf(error);
  return code !== undefined && IRRECOVERABLE_REPLY_CODES.has(code);
}

/** Maps a broker failure to linebacker's taxonomy: misconfiguration is permanent, the rest unavailable. */
export function classifyBrokerError(error: unknown, context: string): LinebackerError {
  const message = `${context}: ${error instanceof Error ? error.message : String(error)}`;
  return isIrrecoverable(error)
    ? new PermanentError('BrokerMisconfigured', message, { cause: error })
    : new UnavailableError('BrokerUnavailable', message, { cause: error });
}
