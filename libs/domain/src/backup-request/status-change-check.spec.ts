import { IllegalTransitionError, ValidationError } from '../errors/domain-errors';
import type { StatusChange } from '../ports/backup-request.repository';
import { checkStatusChange } from './status-change-check';

const change = (extra: Partial<StatusChange>): StatusChange => ({
  backupRequestId: 'r-1',
  from: 'Received',
  to: 'Allowed',
  at: new Date('2024-03-01T10:00:00Z'),
  patch: {},
  by: 'test',
  messageId: 'm-1',
  outbox: [],
  ...extra,
});

describe('checkStatusChange', () => {
  it('accepts a legal move whose patch sets only patch fields', () => {
    expect(() =>
      checkStatusChange(change({ patch: { checkedTimestamp: new Date(), storagePathName: '/s' } })),
    ).not.toThrow();
  });

  it('refuses a move the state machine does not have', () => {
    expect(() => checkStatusChange(change({ from: 'Sent', to: 'Allowed' }))).toThrow(
      IllegalTransitionError,
    );
    expect(() => checkStatusChange(change({ to: 'Bogus' as never }))).toThrow(
      IllegalTransitionError,
    );
  });

  it('refuses a patch that sets a field a status change may not set', () => {
    const sneaky = change({ patch: { requesterId: 'someone-else' } as never });
    expect(() => checkStatusChange(sneaky)).toThrow(ValidationError);
  });
});
