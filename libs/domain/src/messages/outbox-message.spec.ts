import { REQUEST_STATUSES } from '../backup-request/request-status';
import { ALL_EVENT_TYPES, END_STATE_EVENT_TYPES, EVENT_TYPES } from './event-types';
import { EVENT_FOR_STATUS, requestEvent, requestEventMessageId } from './outbox-message';

describe('requestEvent', () => {
  it('carries only the request id, with a message id derived from request and type', () => {
    const at = new Date('2024-03-16T00:00:00Z');
    const message = requestEvent(
      EVENT_TYPES.allowed,
      { backupRequestId: 'r-1', correlationId: 'c-1' },
      'cause-1',
      at,
    );
    expect(message).toEqual({
      messageId: 'r-1:backup-request.allowed',
      type: 'backup-request.allowed',
      correlationId: 'c-1',
      causationId: 'cause-1',
      occurredAt: at,
      payload: { backupRequestId: 'r-1' },
    });
  });

  it('gives a re-built event the same message id as the original', () => {
    const first = requestEvent(
      EVENT_TYPES.received,
      { backupRequestId: 'r-1', correlationId: 'c' },
      null,
      new Date(1),
    );
    const again = requestEvent(
      EVENT_TYPES.received,
      { backupRequestId: 'r-1', correlationId: 'c' },
      'x',
      new Date(2),
    );
    expect(again.messageId).toBe(first.messageId);
    expect(requestEventMessageId('r-1', EVENT_TYPES.failed)).not.toBe(
      requestEventMessageId('r-1', EVENT_TYPES.succeeded),
    );
  });
});

describe('event types', () => {
  it('announce each status with its own event', () => {
    const events = REQUEST_STATUSES.map((status) => EVENT_FOR_STATUS[status]);
    expect(new Set(events).size).toBe(REQUEST_STATUSES.length);
    expect(events.every((type) => ALL_EVENT_TYPES.includes(type))).toBe(true);
  });

  it('notify exactly the terminal statuses', () => {
    expect(END_STATE_EVENT_TYPES).toEqual([
      EVENT_FOR_STATUS.NotAllowed,
      EVENT_FOR_STATUS.Succeeded,
      EVENT_FOR_STATUS.Failed,
    ]);
  });
});
