import { TERMINAL_STATUSES } from '@linebacker/domain';
import { BACKUP_TABLE, HISTORY_TABLE, IDEMPOTENCY_KEY_TABLE, REQUEST_TABLE } from '../schema/table';

const R = REQUEST_TABLE.column;
const B = BACKUP_TABLE.column;
const K = IDEMPOTENCY_KEY_TABLE.column;

/**
 * Written into the text, not bound: the planner can then prove the partial index
 * ix_backup_request_retention applies (the values are the domain's own constants).
 */
const TERMINAL = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * A request retention may remove, given `$1` (ended before): terminal, ended before the
 * cutoff, and with no Backup, or one marked deleted before the cutoff too.
 */
const REQUEST_DUE = `r.${R.statusTypeCode} IN (${TERMINAL})
     AND r.${R.statusTimestamp} < $1
     AND NOT EXISTS (
       SELECT 1 FROM ${BACKUP_TABLE.name} b
        WHERE b.${B.backupRequestId} = r.${R.backupRequestId}
          AND (b.${B.deletedTimestamp} IS NULL OR b.${B.deletedTimestamp} >= $1))`;

/** A Backup to mark deleted, given `$1` (due on or before): not on hold, not yet marked. */
const BACKUP_DUE = `${B.dueToDeleteDate} <= $1::date
     AND ${B.deletedTimestamp} IS NULL AND NOT ${B.holdFlag}`;

const deleteOf = (table: string, column: string) =>
  `DELETE FROM ${table} WHERE ${column} IN (SELECT id FROM doomed) RETURNING 1`;

/**
 * Removes up to `$2` due requests, oldest first, with their history, keys and Backup, in one
 * statement (one implicit transaction). The requests are locked `SKIP LOCKED`: a row that a
 * pipeline step or another sweeper holds is left for a later batch, and a row changed since
 * the snapshot is checked again on its newest version, so a Failed request that has just
 * become Succeeded is not taken. The foreign keys are checked at the end of the statement,
 * when the children are gone too.
 */
export const REMOVE_REQUESTS_SQL = `
  WITH doomed AS (
    SELECT r.${R.backupRequestId} AS id FROM ${REQUEST_TABLE.name} r
     WHERE ${REQUEST_DUE}
     ORDER BY r.${R.statusTimestamp}
     LIMIT $2
     FOR UPDATE SKIP LOCKED
  ), history AS (${deleteOf(HISTORY_TABLE.name, HISTORY_TABLE.column.backupRequestId)}
  ), keys AS (${deleteOf(IDEMPOTENCY_KEY_TABLE.name, K.backupRequestId)}
  ), backups AS (${deleteOf(BACKUP_TABLE.name, B.backupRequestId)}
  ), requests AS (${deleteOf(REQUEST_TABLE.name, R.backupRequestId)})
  SELECT (SELECT count(*) FROM requests)::int AS requests,
         (SELECT count(*) FROM history)::int AS status_history,
         (SELECT count(*) FROM backups)::int AS backups,
         (SELECT count(*) FROM keys)::int AS idempotency_keys`;

/** Removes up to `$2` Idempotency-Keys stored before `$1`, oldest first. */
export const REMOVE_KEYS_SQL = `
  WITH gone AS (
    DELETE FROM ${IDEMPOTENCY_KEY_TABLE.name}
     WHERE (${K.requesterId}, ${K.idempotencyKey}) IN (
       SELECT ${K.requesterId}, ${K.idempotencyKey} FROM ${IDEMPOTENCY_KEY_TABLE.name}
        WHERE ${K.createdAt} < $1
        ORDER BY ${K.createdAt}
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
    RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;

/** Marks up to `$3` due Backups (`$1`: due on or before) deleted at `$2`. */
export const MARK_BACKUPS_SQL = `
  WITH marked AS (
    UPDATE ${BACKUP_TABLE.name} SET ${B.deletedTimestamp} = $2
     WHERE ${B.backupId} IN (
       SELECT ${B.backupId} FROM ${BACKUP_TABLE.name}
        WHERE ${BACKUP_DUE}
        ORDER BY ${B.dueToDeleteDate}
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
    RETURNING 1)
  SELECT count(*)::int AS n FROM marked`;

/**
 * What a run would remove or mark (`$1` ended before, `$2` keys stored before, `$3` Backups
 * due on or before; a null switches that part off). Keys are counted once, whether expired,
 * belonging to a removed request, or both.
 */
export const COUNT_DUE_SQL = `
  WITH doomed AS (
    SELECT r.${R.backupRequestId} AS id FROM ${REQUEST_TABLE.name} r WHERE ${REQUEST_DUE})
  SELECT (SELECT count(*) FROM doomed)::int AS requests,
         (SELECT count(*) FROM ${HISTORY_TABLE.name}
           WHERE ${HISTORY_TABLE.column.backupRequestId} IN (SELECT id FROM doomed))::int
           AS status_history,
         (SELECT count(*) FROM ${BACKUP_TABLE.name}
           WHERE ${B.backupRequestId} IN (SELECT id FROM doomed))::int AS backups,
         (SELECT count(*) FROM ${IDEMPOTENCY_KEY_TABLE.name}
           WHERE ${K.createdAt} < $2::timestamptz
              OR ${K.backupRequestId} IN (SELECT id FROM doomed))::int AS idempotency_keys,
         (SELECT count(*) FROM ${BACKUP_TABLE.name}
           WHERE ${BACKUP_DUE.replaceAll('$1', '$3')})::int AS backups_marked`;
