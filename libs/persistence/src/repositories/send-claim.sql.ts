import { REQUEST_TABLE } from '../schema/table';

const { name: table, column } = REQUEST_TABLE;

/**
 * Claims the send of an Allowed request ($1) for token $2 until $4, unless a claim that lapses
 * after $3 holds it. Two of these on one row serialise on its row lock, and the second
 * re-checks the WHERE against the row the first committed, so one claimant gets the row back.
 */
export const CLAIM_SEND_SQL = `UPDATE ${table}
     SET ${column.sendClaimToken} = $2, ${column.sendClaimExpiresTimestamp} = $4
   WHERE ${column.backupRequestId} = $1 AND ${column.statusTypeCode} = 'Allowed'
     AND (${column.sendClaimExpiresTimestamp} IS NULL OR ${column.sendClaimExpiresTimestamp} <= $3)
  RETURNING ${column.backupRequestId}`;

/** Gives up the send claim of request $1 if token $2 holds it. */
export const RELEASE_SEND_SQL = `UPDATE ${table}
     SET ${column.sendClaimToken} = NULL, ${column.sendClaimExpiresTimestamp} = NULL
   WHERE ${column.backupRequestId} = $1 AND ${column.sendClaimToken} = $2`;
