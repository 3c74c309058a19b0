import { columnList, HISTORY_TABLE, insertSelectSql, REQUEST_TABLE } from '../schema/table';

const { name: table, column } = REQUEST_TABLE;

/** When a Sent request's current wait for its reply began: its last resend, else its send. */
const WAITING_SINCE = `coalesce(${column.replyResentTimestamp}, ${column.sentToInterfaceTimestamp}, ${column.statusTimestamp})`;

/**
 * Claims overdue Sent requests (`$1` the deadline's bound, `$2` the limit) with row locks,
 * skipping rows another recoverer holds; those re-sent fewer than `$4` times get their count
 * raised and their wait restarted at `$3`. The result lists every request claimed with
 * `resent` telling which kind it is. A concurrent claim that waited on none of these rows
 * (SKIP LOCKED) and a later one (the restarted wait) cannot claim them again.
 */
export const CLAIM_OVERDUE_REPLIES_SQL = `WITH overdue AS (
      SELECT ${column.backupRequestId} AS id, ${column.replyResendCount} AS resends
        FROM ${table}
       WHERE ${column.statusTypeCode} = 'Sent' AND ${WAITING_SINCE} < $1
       ORDER BY ${WAITING_SINCE}
       LIMIT $2
         FOR UPDATE SKIP LOCKED
    ), resent AS (
      UPDATE ${table} r
         SET ${column.replyResendCount} = o.resends + 1, ${column.replyResentTimestamp} = $3
        FROM overdue o
       WHERE r.${column.backupRequestId} = o.id AND o.resends < $4
   RETURNING ${columnList(REQUEST_TABLE.columns, 'r')}
    )
    SELECT ${columnList(REQUEST_TABLE.columns)}, true AS resent FROM resent
    UNION ALL
    SELECT ${columnList(REQUEST_TABLE.columns, 'r')}, false AS resent
      FROM ${table} r JOIN overdue o ON r.${column.backupRequestId} = o.id
     WHERE o.resends >= $4`;

/** The Sent→Sent history rows of resends, from a JSON array (`$1`) in the order listed. */
export const INSERT_RESEND_HISTORY_SQL = insertSelectSql(
  HISTORY_TABLE,
  {
    backupRequestId: 'h.backup_request_id',
    fromStatus: "'Sent'",
    toStatus: "'Sent'",
    at: 'h.at',
    by: 'h.by',
    messageId: 'h.message_id',
  },
  `FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (backup_request_id uuid, at timestamptz,
      by varchar, message_id varchar)) WITH ORDINALITY AS h(backup_request_id, at, by,
      message_id, position)
   ORDER BY h.position`,
);
