import { createHash } from 'node:crypto';
import {
  HEADERS,
  numericHeader,
  stringHeader,
  type MessageHeaders,
} from '../runner/message-headers';
import { withoutBrokerCounters } from './fresh-copy';

/** A message a plain-queue consumer parked in `<queue>.parked`, as an operator sees it. */
export interface ParkedMessage {
  /** Its id in the parked queue: the same every time it is read, fresh copies included. */
  parkedId: string;
  /** The AMQP `message_id` it arrived with (null when the sender set none). */
  messageId: string | null;
  errorCode: string;
  reason: string;
  parkedAt: string;
  /** Receives by linebacker's consumers, as far as its headers count them (a lower bound). */
  receiveCount: number;
  /** The queue it was taken from. */
  queue: string;
  /** The body as UTF-8 text. */
  rawBody: string;
  headers: MessageHeaders;
}

/**
 * Receives the runner's headers account for: the first, one per put-back after a failure,
 * two per counted broker redelivery (the redelivery, then the copy it put back), and the
 * uncounted redelivery that went past the limit when that is why it was parked.
 */
function receiveCount(headers: MessageHeaders, errorCode: string): number {
  const pastLimit = errorCode === 'DeliveryLimitExceeded' ? 1 : 0;
  return (
    1 +
    numericHeader(headers, HEADERS.putBacks) +
    2 * numericHeader(headers, HEADERS.redeliveries) +
    pastLimit
  );
}

/** How an operator sees a parked message (`messageId`: its AMQP property, if any). */
export function toParkedMessage(
  body: Buffer,
  headers: MessageHeaders,
  messageId: string | undefined,
): ParkedMessage {
  const errorCode = stringHeader(headers, HEADERS.errorCode) ?? '';
  const parkedAt = stringHeader(headers, HEADERS.parkedAt) ?? '';
  const queue = stringHeader(headers, HEADERS.queue) ?? '';
  // Body and parking headers never change, copies included; the broker's counters do.
  const parkedId = createHash('sha256')
    .update(body)
    .update(JSON.stringify([messageId ?? null, queue, errorCode, parkedAt]))
    .digest('hex')
    .slice(0, 32);
  return {
    parkedId,
    messageId: messageId ?? null,
    errorCode,
    reason: stringHeader(headers, HEADERS.reason) ?? '',
    parkedAt,
    receiveCount: receiveCount(headers, errorCode),
    queue,
    rawBody: body.toString('utf8'),
    headers,
  };
}

const DROPPED_ON_REPLAY = [
  HEADERS.errorCode,
  HEADERS.reason,
  HEADERS.parkedAt,
  HEADERS.queue,
  HEADERS.redeliveries,
  HEADERS.putBacks,
  HEADERS.publishId,
];

/**
 * The headers a replayed parked message goes back to its queue with: the parking record and
 * the counters dropped (it starts a fresh redelivery budget), an audit trail added.
 */
export function parkedReplayHeaders(headers: MessageHeaders): MessageHeaders {
  const copy = withoutBrokerCounters(headers);
  for (const name of DROPPED_ON_REPLAY) delete copy[name];
  copy[HEADERS.replayedAt] = new Date().toISOString();
  copy[HEADERS.replayCount] = numericHeader(headers, HEADERS.replayCount) + 1;
  copy[HEADERS.lastErrorCode] = stringHeader(headers, HEADERS.errorCode) ?? '';
  copy[HEADERS.lastReason] = stringHeader(headers, HEADERS.reason) ?? '';
  return copy;
}
