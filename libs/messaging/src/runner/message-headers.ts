/**
 * Header names linebacker sets. The attempt lives in the envelope (and is mirrored here for
 * operators); `x-delivery-count` is never read because its meaning changed across RabbitMQ
 * releases and classic queues do not have it.
 */
export const HEADERS = {
  attempt: 'x-linebacker-attempt',
  errorCode: 'x-linebacker-error-code',
  reason: 'x-linebacker-reason',
  originalRoutingKey: 'x-linebacker-original-routing-key',
  deadLetteredAt: 'x-linebacker-dead-lettered-at',
  deadLetterId: 'x-linebacker-dead-letter-id',
  queue: 'x-linebacker-queue',
  lastErrorCode: 'x-linebacker-last-error-code',
  lastReason: 'x-linebacker-last-reason',
  redeliveries: 'x-linebacker-redeliveries',
  putBacks: 'x-linebacker-put-backs',
  replayedAt: 'x-linebacker-replayed-at',
  replayCount: 'x-linebacker-replay-count',
  parkedAt: 'x-linebacker-parked-at',
  /** Set by releases before 2026-11-28 (the publish id is now `app_id`); stripped from copies. */
  publishId: 'x-linebacker-publish-id',
} as const;

/** AMQP-style message headers (string keys, JSON-ish values). */
export type MessageHeaders = Record<string, unknown>;

/** Longest reason kept in a header: enough to diagnose, small enough for every broker. */
export const MAX_REASON_LENGTH = 500;

/** A reason shortened to fit a header. */
export function headerReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/** A numeric header (0 when absent or not a number). */
export function numericHeader(headers: MessageHeaders, name: string): number {
  const value = Number(headers[name]);
  return Number.isFinite(value) ? value : 0;
}

/** A string header, or undefined (Buffers from the wire are decoded). */
export function stringHeader(headers: MessageHeaders, name: string): string | undefined {
  const value = headers[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
