import { REQUEST_PATCH_FIELDS, type StatusChange } from '@linebacker/domain';
import {
  BACKUP_TABLE,
  columnList,
  HISTORY_TABLE,
  insertSelectSql,
  jsonRow,
  recordsetColumns,
  REQUEST_TABLE,
  type Column,
} from '../schema/table';
import { compareIds } from './lookup-id';
import { insertOutboxSql, outboxRow } from './outbox.sql';

const request = REQUEST_TABLE.column;

/** The columns a patch may set, from the domain's list of patch fields. */
const PATCH_COLUMNS: readonly Column[] = REQUEST_PATCH_FIELDS.map(
  (field) => REQUEST_TABLE.columns.find((column) => column.property === field) as Column,
);

/** `column = patch value if the patch sets it, else the current value`, per patch column. */
const PATCH_FROM_JSON = PATCH_COLUMNS.map(
  ({ name, type }) =>
    `${name} = CASE WHEN c.patch ? '${name}' THEN (c.patch->>'${name}')::${type} ELSE r.${name} END`,
).join(',\n         ');

/**
 * Status changes (to distinct requests; one alone is a batch of one) as ONE statement with a
 * fixed text, so it runs prepared, in one round trip and one implicit transaction: the
 * compare-and-set UPDATE, then history, Backup and outbox inserts that select from its
 * result, so they write nothing for a change whose `from` no longer holds. The changes
 * travel as three JSON parameters; `n` ties each change to its Backup and messages, and
 * orders the history and outbox rows as the changes were listed. The result lists the `n`
 * of every change applied. Any error (a second Backup included) aborts the whole statement,
 * so no change is ever partly written.
 *
 * `$4` repeats the request ids as an array: the planner cannot see how many rows a JSON
 * parameter holds, and with the generic plan of a prepared statement it chose a hash join
 * over a sequential scan of backup_request (cost growing with the table); `= ANY($4)` is
 * an index lookup of just those rows.
 */
export const APPLY_CHANGES_SQL = `WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(n integer, backup_request_id uuid,
          from_status varchar, to_status varchar, at timestamptz, by varchar,
          message_id varchar, patch jsonb)
    ), moved AS (
      UPDATE ${REQUEST_TABLE.name} r
         SET ${request.statusTypeCode} = c.to_status, ${request.statusTimestamp} = c.at,
         ${PATCH_FROM_JSON}
        FROM input c
       WHERE r.${request.backupRequestId} = ANY($4::uuid[])
         AND r.${request.backupRequestId} = c.backup_request_id
         AND r.${request.statusTypeCode} = c.from_status
   RETURNING c.n, c.backup_request_id, c.from_status, c.to_status, c.at, c.by, c.message_id
    ), history_row AS (
      ${insertSelectSql(
        HISTORY_TABLE,
        {
          backupRequestId: 'backup_request_id',
          fromStatus: 'from_status',
          toStatus: 'to_status',
          at: 'at',
          by: 'by',
          messageId: 'message_id',
        },
        'FROM moved ORDER BY n',
      )}
    ), backup_row AS (
      INSERT INTO ${BACKUP_TABLE.name} (${columnList(BACKUP_TABLE.written)})
      SELECT ${columnList(BACKUP_TABLE.written, 'b')}
        FROM moved JOIN jsonb_to_recordset($2::jsonb)
          AS b(change_n integer, ${recordsetColumns(BACKUP_TABLE.written)})
          ON b.change_n = moved.n
    ), outbox_rows AS (${insertOutboxSql('$3', { cte: 'moved', byChange: true })})
    SELECT n FROM moved`;

/** A patch keyed by column; fields left undefined are not set. Checked by checkStatusChange. */
function patchJson(change: StatusChange): Record<string, unknown> {
  const values = change.patch as Record<string, unknown>;
  return Object.fromEntries(
    PATCH_COLUMNS.filter(({ property }) => values[property] !== undefined).map(
      ({ property, name }) => [name, values[property]],
    ),
  );
}

/**
 * The four parameters of {@link APPLY_CHANGES_SQL} for these changes, numbered from 0 in the
 * order given. The rows and the id array go in ascending id order, so two batches that share
 * requests lock them in the same order and cannot deadlock, whichever way the planner joins
 * (as the send claims do); `n` keeps the caller's order for the history and outbox rows.
 */
export function applyChangesParams(changes: readonly StatusChange[]): unknown[] {
  const rows = changes.map((change, n) => ({
    n,
    backup_request_id: change.backupRequestId,
    from_status: change.from,
    to_status: change.to,
    at: change.at,
    by: change.by,
    message_id: change.messageId,
    patch: patchJson(change),
  }));
  const backups = changes.flatMap((change, n) =>
    change.backup ? [{ change_n: n, ...jsonRow(BACKUP_TABLE.written, change.backup) }] : [],
  );
  const messages = changes.flatMap((change, n) =>
    change.outbox.map((message) => ({ change_n: n, ...outboxRow(message) })),
  );
  rows.sort((a, b) => compareIds(a.backup_request_id, b.backup_request_id));
  const ids = rows.map((row) => row.backup_request_id);
  return [JSON.stringify(rows), JSON.stringify(backups), JSON.stringify(messages), ids];
}
