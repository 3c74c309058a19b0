import { REQUEST_TABLE } from '../schema/table';

const { name: table, column } = REQUEST_TABLE;

/**
 * Claims the sends of Allowed requests in one statement: each row of the arrays is one claim,
 * request $1[i] for token $2[i] until $4[i], unless a claim that lapses after $3[i] holds it.
 * The ids must be distinct (a row is updated once per statement; the caller decides between
 * duplicates) and sorted, so two batches that share requests lock them in the same order and
 * cannot deadlock: whichever way the planner joins, rows are visited in the order of the
 * array or of the index, and both are ascending. Two claims of one row in different
 * statements serialise on its row lock, and the second re-checks the WHERE against the row the
 * first committed, so one claimant gets the row back. `= ANY($1)` looks the rows up by primary
 * key (ADR 0402). Returns the ids claimed.
 */
export const CLAIM_SENDS_SQL = `UPDATE ${table} r
     SET ${column.sendClaimToken} = c.token, ${column.sendClaimExpiresTimestamp} = c.expires_at
    FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[])
      AS c(backup_request_id, token, claimed_at, expires_at)
   WHERE r.${column.backupRequestId} = ANY($1::uuid[])
     AND r.${column.backupRequestId} = c.backup_request_id
     AND r.${column.statusTypeCode} = 'Allowed'
     AND (r.${column.sendClaimExpiresTimestamp} IS NULL
          OR r.${column.sendClaimExpiresTimestamp} <= c.claimed_at)
  RETURNING r.${column.backupRequestId} AS backup_request_id`;

/** Gives up the send claim of request $1 if token $2 holds it. */
export const RELEASE_SEND_SQL = `UPDATE ${table}
     SET ${column.sendClaimToken} = NULL, ${column.sendClaimExpiresTimestamp} = NULL
   WHERE ${column.backupRequestId} = $1 AND ${column.sendClaimToken} = $2`;
