import { createHash } from 'node:crypto';
import type { EnvelopeCodec } from '../envelope/envelope-codec';
import type { Envelope } from '../port/envelope';
import type { DeadLetter } from '../port/message-bus.port';
import { HEADERS, stringHeader, type MessageHeaders } from '../runner/message-headers';

interface Death {
  queue?: unknown;
  reason?: unknown;
  time?: unknown;
  'routing-keys'?: unknown;
}

const firstDeath = (headers: MessageHeaders): Death | undefined =>
  Array.isArray(headers['x-death']) ? (headers['x-death'][0] as Death) : undefined;

/** AMQP timestamps arrive as seconds, or as amqplib's `{ '!': 'timestamp', value }`. */
function isoTime(value: unknown): string {
  const raw =
    typeof value === 'object' && value !== null ? (value as { value?: unknown }).value : value;
  if (typeof raw === 'number') return new Date(raw * 1000).toISOString();
  if (typeof raw === 'string') return raw;
  return new Date(0).toISOString();
}

/**
 * The stable id of a dead letter: ours when we dead-lettered it, else (the broker did, on
 * its delivery limit) a hash of the body and the death record, which never change.
 */
export function deadLetterId(body: Buffer, headers: MessageHeaders): string {
  const ours = stringHeader(headers, HEADERS.deadLetterId);
  if (ours) return ours;
  const death = firstDeath(headers);
  return createHash('sha256')
    .update(body)
    .update(JSON.stringify([death?.queue, death?.reason, isoTime(death?.time)]))
    .digest('hex')
    .slice(0, 32);
}

function tryDecode(codec: EnvelopeCodec, body: Buffer): Envelope | null {
  try {
    return codec.decode(body);
  } catch {
    return null;
  }
}

/** How an operator sees a dead-lettered message, whoever dead-lettered it. */
export function toDeadLetter(
  body: Buffer,
  headers: MessageHeaders,
  codec: EnvelopeCodec,
): DeadLetter {
  const envelope = tryDecode(codec, body);
  const death = firstDeath(headers);
  const byBroker = stringHeader(headers, HEADERS.errorCode) === undefined;
  const deathKeys = Array.isArray(death?.['routing-keys']) ? death['routing-keys'] : [];
  return {
    id: deadLetterId(body, headers),
    envelope,
    rawBody: body.toString('utf8'),
    errorCode: byBroker
      ? 'DeliveryLimitExceeded'
      : (stringHeader(headers, HEADERS.errorCode) ?? ''),
    reason: byBroker
      ? `dead-lettered by the broker (${String(death?.reason ?? 'unknown')}) from ${String(death?.queue ?? '?')}`
      : (stringHeader(headers, HEADERS.reason) ?? ''),
    originalRoutingKey:
      stringHeader(headers, HEADERS.originalRoutingKey) ??
      envelope?.type ??
      String(deathKeys[0] ?? ''),
    deadLetteredAt: stringHeader(headers, HEADERS.deadLetteredAt) ?? isoTime(death?.time),
    headers,
  };
}

const DROPPED_ON_REPLAY = [
  HEADERS.errorCode,
  HEADERS.reason,
  HEADERS.deadLetteredAt,
  HEADERS.deadLetterId,
  HEADERS.queue,
  HEADERS.attempt,
  HEADERS.redeliveries,
  HEADERS.publishId,
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-delivery-count',
];

/**
 * The copy an operator replay sends back to the subscription's queue: attempt reset to 1
 * (when the body is a valid envelope), death records dropped, and an audit trail added
 * (when, how many times, and the error that sent it to the dead-letter queue).
 */
export function replayCopy(
  body: Buffer,
  headers: MessageHeaders,
  codec: EnvelopeCodec,
): { body: Buffer; headers: MessageHeaders } {
  const letter = toDeadLetter(body, headers, codec);
  const copy: MessageHeaders = { ...headers };
  for (const name of DROPPED_ON_REPLAY) delete copy[name];
  copy[HEADERS.originalRoutingKey] = letter.originalRoutingKey;
  copy[HEADERS.replayedAt] = new Date().toISOString();
  copy[HEADERS.replayCount] = Number(headers[HEADERS.replayCount] ?? 0) + 1;
  copy[HEADERS.lastErrorCode] = letter.errorCode;
  copy[HEADERS.lastReason] = letter.reason;
  const replayBody = letter.envelope ? codec.encode({ ...letter.envelope, attempt: 1 }) : body;
  return { body: replayBody, headers: copy };
}
