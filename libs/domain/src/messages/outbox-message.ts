import type { BackupRequest } from '../backup-request/backup-request';
import type { RequestStatus } from '../backup-request/request-status';
import { EVENT_TYPES, type EventType } from './event-types';

/** A message to publish, written to the outbox in the same transaction as its state change. */
export interface OutboxMessage {
  messageId: string;
  type: EventType;
  correlationId: string;
  causationId: string | null;
  occurredAt: Date;
  payload: Record<string, unknown>;
}

/** The payload of every backup-request event: the id; consumers read the rest from the database. */
export interface RequestEventPayload {
  backupRequestId: string;
}

/**
 * The message id of a request's event is derived from the request and the event type, so a
 * re-driven or re-published copy carries the same id as the original and is recognisable.
 */
export function requestEventMessageId(backupRequestId: string, type: EventType): string {
  return `${backupRequestId}:${type}`;
}

/** Builds the outbox message announcing an event about a request. */
export function requestEvent(
  type: EventType,
  request: Pick<BackupRequest, 'backupRequestId' | 'correlationId'>,
  causationId: string | null,
  occurredAt: Date,
): OutboxMessage {
  const payload: RequestEventPayload = { backupRequestId: request.backupRequestId };
  return {
    messageId: requestEventMessageId(request.backupRequestId, type),
    type,
    correlationId: request.correlationId,
    causationId,
    occurredAt,
    payload: { ...payload },
  };
}

/** The event a request announces on entering a status (Received/Allowed drive the next step). */
export const EVENT_FOR_STATUS: Readonly<Record<RequestStatus, EventType>> = {
  Received: EVENT_TYPES.received,
  Allowed: EVENT_TYPES.allowed,
  NotAllowed: EVENT_TYPES.notAllowed,
  Sent: EVENT_TYPES.sent,
  Succeeded: EVENT_TYPES.succeeded,
  Failed: EVENT_TYPES.failed,
};
