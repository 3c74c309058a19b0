import type { EnvelopeCodec } from '../envelope/envelope-codec';
import { HEADERS, numericHeader, type MessageHeaders } from '../runner/message-headers';
import { toDeadLetter } from './dead-letter-view';

/**
 * Returns to its queue a dead letter may have had counted before an inspection gives it a
 * fresh copy instead of another return. Quorum queues drop (or dead-letter) a message past
 * their delivery limit, and until RabbitMQ 4.3 every return counted, even an inspection's
 * nack; 4.0 made the limit default to 20 (ADR 0106). Five is far below that and below any
 * limit an operator plausibly sets by policy.
 */
export const DEAD_LETTER_REFRESH_AT = 5;

/** Counters the broker keeps per message and adds on delivery; a fresh copy starts at zero. */
const BROKER_COUNTERS = ['x-delivery-count', 'x-acquired-count'];

/** The headers without the broker's per-message counters (a copy starts at zero). */
export function withoutBrokerCounters(headers: MessageHeaders): MessageHeaders {
  const copy = { ...headers };
  for (const name of BROKER_COUNTERS) delete copy[name];
  return copy;
}

/** True when the broker has counted enough returns of this message to refresh it. */
export function isWorn(headers: MessageHeaders): boolean {
  return numericHeader(headers, 'x-delivery-count') >= DEAD_LETTER_REFRESH_AT;
}

/**
 * The headers of a fresh copy of a dead letter: the broker's counters dropped, and what the
 * operator's view derives from the broker's death record written down as our own headers, so
 * the copy shows the same id, code, reason, routing key and time even if the broker does not
 * carry `x-death` over a republish.
 */
export function freshCopyHeaders(
  body: Buffer,
  headers: MessageHeaders,
  codec: EnvelopeCodec,
): MessageHeaders {
  const letter = toDeadLetter(body, headers, codec);
  return withoutBrokerCounters({
    [HEADERS.deadLetterId]: letter.id,
    [HEADERS.errorCode]: letter.errorCode,
    [HEADERS.reason]: letter.reason,
    [HEADERS.originalRoutingKey]: letter.originalRoutingKey,
    [HEADERS.deadLetteredAt]: letter.deadLetteredAt,
    ...headers,
  });
}
