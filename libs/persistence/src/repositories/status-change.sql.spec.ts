import { aChange, aRequest } from '../testing/fixtures';
import { applyChangesParams } from './status-change.sql';

describe('applyChangesParams', () => {
  const withId = (id: string) => ({ ...aRequest(), backupRequestId: id });

  it('lists the changes in ascending id order and numbers them in the order given', () => {
    const ids = [
      'c0000000-0000-4000-8000-000000000000',
      'A0000000-0000-4000-8000-000000000000',
      'b0000000-0000-4000-8000-000000000000',
    ];
    const changes = ids.map((id) => aChange(withId(id), 'Received', 'Allowed'));

    const [rowsJson, , messagesJson, idArray] = applyChangesParams(changes) as [
      string,
      string,
      string,
      string[],
    ];

    // Two batches that share requests lock them in one order: PostgreSQL's, case aside.
    expect(idArray).toEqual([ids[1], ids[2], ids[0]]);
    const rows = JSON.parse(rowsJson) as Array<{ n: number; backup_request_id: string }>;
    expect(rows.map((row) => [row.n, row.backup_request_id])).toEqual([
      [1, ids[1]],
      [2, ids[2]],
      [0, ids[0]],
    ]);
    // The messages keep the caller's order and point at their change by its number.
    const messages = JSON.parse(messagesJson) as Array<{ change_n: number; message_id: string }>;
    expect(messages.map((m) => [m.change_n, m.message_id])).toEqual(
      changes.map((change, n) => [n, change.outbox[0]?.messageId]),
    );
  });
});
