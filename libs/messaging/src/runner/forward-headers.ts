import { randomUUID } from 'node:crypto';
import { describeError, errorCodeOf } from '@linebacker/domain';
import type { Envelope } from '../port/envelope';
import type { InboundDelivery } from './inbound-delivery';
import { HEADERS, headerReason, stringHeader, type MessageHeaders } from './message-headers';

/**
 * The routing key the message was first published with. A retried message comes back from
 * its delay queue with the queue name as routing key, so the header wins over the delivery.
 */
export function originalRoutingKey(delivery: InboundDelivery, envelope: Envelope | null): string {
  return (
    stringHeader(delivery.headers, HEADERS.originalRoutingKey) ??
    envelope?.type ??
    delivery.routingKey
  );
}

/** Headers of a copy sent to a delay queue (the attempt itself lives in the envelope). */
export function retryHeaders(
  delivery: InboundDelivery,
  envelope: Envelope,
  attempt: number,
  error: unknown,
): MessageHeaders {
  return {
    [HEADERS.originalRoutingKey]: originalRoutingKey(delivery, envelope),
    [HEADERS.attempt]: attempt,
    [HEADERS.lastErrorCode]: errorCodeOf(error),
    [HEADERS.lastReason]: headerReason(describeError(error)),
  };
}

/** Headers of a dead-lettered copy: the original headers plus why, when and from where. */
export function deadLetterHeaders(
  delivery: InboundDelivery,
  envelope: Envelope | null,
  error: unknown,
  reason: string,
  queue: string,
): MessageHeaders {
  const headers: MessageHeaders = {
    ...withoutPublishId(delivery.headers),
    [HEADERS.errorCode]: errorCodeOf(error),
    [HEADERS.reason]: headerReason(reason),
    [HEADERS.originalRoutingKey]: originalRoutingKey(delivery, envelope),
    [HEADERS.deadLetteredAt]: new Date().toISOString(),
    [HEADERS.deadLetterId]: randomUUID(),
    [HEADERS.queue]: queue,
  };
  if (envelope) headers[HEADERS.attempt] = envelope.attempt;
  return headers;
}

/** Headers without the per-publish correlation id the publisher adds. */
export function withoutPublishId(headers: MessageHeaders): MessageHeaders {
  const copy = { ...headers };
  delete copy[HEADERS.publishId];
  return copy;
}
