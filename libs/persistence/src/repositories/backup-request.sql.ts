import {
  ValidationError,
  type Backup,
  type BackupRequest,
  type IdempotencyRecord,
  type OutboxMessage,
  type RequestPatch,
  type StatusChange,
} from '@linebacker/domain';
import { insertOutboxSql, outboxJson, outboxRow } from './outbox.sql';

/** A statement and its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** Columns a patch may set; a Record so a new patch field fails to compile until mapped. */
const PATCH_COLUMNS: Readonly<Record<keyof Required<RequestPatch>, string>> = {
  backupProviderCode: 'backup_provider_code',
  storagePathName: 'storage_path_name',
  checkedTimestamp: 'checked_timestamp',
  sentToInterfaceTimestamp: 'sent_to_interface_timestamp',
  replyTimestamp: 'reply_timestamp',
  replyMessageText: 'reply_message_text',
};

function patchAssignments(patch: RequestPatch, params: unknown[]): string[] {
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const column = (PATCH_COLUMNS as Record<string, string | undefined>)[key];
      if (!column) throw new ValidationError(`a status change cannot set ${key}`, key);
      params.push(value);
      return `${column} = $${params.length}`;
    });
}

function backupRow(backup: Backup): Record<string, unknown> {
  return {
    backup_id: backup.backupId,
    backup_request_id: backup.backupRequestId,
    backup_job_id: backup.backupJobId,
    data_date: backup.dataDate,
    backup_provider_code: backup.backupProviderCode,
    days_to_keep_count: backup.daysToKeepCount,
    hold_flag: backup.holdFlag,
    storage_path_name: backup.storagePathName,
    backup_byte_count: backup.backupByteCount,
    copy_start_timestamp: backup.copyStartTimestamp,
    copy_end_timestamp: backup.copyEndTimestamp,
    verify_start_timestamp: backup.verifyStartTimestamp,
    verify_end_timestamp: backup.verifyEndTimestamp,
    verify_hash_text: backup.verifyHashText,
    due_to_delete_date: backup.dueToDeleteDate,
    deleted_timestamp: backup.deletedTimestamp,
  };
}

function backupJson(backup: Backup): string {
  return JSON.stringify([backupRow(backup)]);
}

/** The backup table's columns and types, as unpacked from the JSON parameter. */
const BACKUP_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['backup_id', 'uuid'],
  ['backup_request_id', 'uuid'],
  ['backup_job_id', 'varchar'],
  ['data_date', 'date'],
  ['backup_provider_code', 'varchar'],
  ['days_to_keep_count', 'integer'],
  ['hold_flag', 'boolean'],
  ['storage_path_name', 'varchar'],
  ['backup_byte_count', 'bigint'],
  ['copy_start_timestamp', 'timestamptz'],
  ['copy_end_timestamp', 'timestamptz'],
  ['verify_start_timestamp', 'timestamptz'],
  ['verify_end_timestamp', 'timestamptz'],
  ['verify_hash_text', 'varchar'],
  ['due_to_delete_date', 'date'],
  ['deleted_timestamp', 'timestamptz'],
];

function insertBackupSql(param: string): string {
  const names = BACKUP_COLUMNS.map(([name]) => name);
  const typed = BACKUP_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
  return `INSERT INTO backup (${names.join(', ')})
    SELECT ${names.map((name) => `b.${name}`).join(', ')}
      FROM moved, jsonb_to_recordset(${param}::jsonb) AS b(${typed})`;
}

/**
 * A status change as ONE statement, hence one round trip and one implicit transaction: the
 * compare-and-set UPDATE, then history, Backup and outbox inserts that select from its
 * result, so they write nothing when the UPDATE matched no row. Any error (a second Backup
 * included) aborts the whole statement, so a change is never partly written.
 */
export function applyChangeStatement(change: StatusChange): Statement {
  const params: unknown[] = [
    change.backupRequestId,
    change.from,
    change.to,
    change.at,
    change.by,
    change.messageId,
    outboxJson(change.outbox),
  ];
  const assignments = patchAssignments(change.patch, params);
  let backupCte = '';
  if (change.backup) {
    params.push(backupJson(change.backup));
    backupCte = `, backup_row AS (${insertBackupSql(`$${params.length}`)})`;
  }
  const sql = `WITH moved AS (
      UPDATE backup_request
         SET ${['status_type_code = $3', 'status_timestamp = $4', ...assignments].join(', ')}
       WHERE backup_request_id = $1 AND status_type_code = $2
   RETURNING backup_request_id
    ), history_row AS (
      INSERT INTO backup_request_status_history (backup_request_id, from_status_type_code,
          to_status_type_code, status_timestamp, changed_by_service_name, message_id)
      SELECT backup_request_id, $2, $3, $4, $5, $6 FROM moved
    )${backupCte}, outbox_rows AS (${insertOutboxSql('$7', 'moved')})
    SELECT count(*)::int AS applied FROM moved`;
  return { sql, params };
}

/** The SQL type of each column a patch may set, for unpacking patches from JSON. */
const PATCH_COLUMN_TYPES: Readonly<Record<string, string>> = {
  backup_provider_code: 'varchar',
  storage_path_name: 'varchar',
  checked_timestamp: 'timestamptz',
  sent_to_interface_timestamp: 'timestamptz',
  reply_timestamp: 'timestamptz',
  reply_message_text: 'varchar',
};

/** `column = patch value if the patch sets it, else the current value`, per patch column. */
const PATCH_FROM_JSON = Object.values(PATCH_COLUMNS)
  .map(
    (column) =>
      `${column} = CASE WHEN c.patch ? '${column}'
        THEN (c.patch->>'${column}')::${PATCH_COLUMN_TYPES[column]} ELSE r.${column} END`,
  )
  .join(',\n         ');

/**
 * Several status changes (to distinct requests) as ONE statement with a fixed text, so it
 * runs prepared: the same compare-and-set, history, Backup and outbox writes as
 * {@link applyChangeStatement}, row by row, for the changes whose `from` still holds. The
 * changes travel as three JSON parameters; `n` ties each change to its Backup and messages,
 * and orders the history and outbox rows as the changes were listed. The result lists the
 * `n` of every change applied. One failing row (a second Backup) aborts them all.
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
      UPDATE backup_request r
         SET status_type_code = c.to_status, status_timestamp = c.at,
         ${PATCH_FROM_JSON}
        FROM input c
       WHERE r.backup_request_id = ANY($4::uuid[])
         AND r.backup_request_id = c.backup_request_id AND r.status_type_code = c.from_status
   RETURNING c.n, r.backup_request_id, c.from_status, c.to_status, c.at, c.by, c.message_id
    ), history_row AS (
      INSERT INTO backup_request_status_history (backup_request_id, from_status_type_code,
          to_status_type_code, status_timestamp, changed_by_service_name, message_id)
      SELECT backup_request_id, from_status, to_status, at, by, message_id FROM moved ORDER BY n
    ), backup_row AS (
      INSERT INTO backup (${BACKUP_COLUMNS.map(([name]) => name).join(', ')})
      SELECT ${BACKUP_COLUMNS.map(([name]) => `b.${name}`).join(', ')}
        FROM moved JOIN jsonb_to_recordset($2::jsonb)
          AS b(change_n integer, ${BACKUP_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})
          ON b.change_n = moved.n
    ), outbox_rows AS (
      INSERT INTO outbox (message_id, type, correlation_id, causation_id, occurred_at, payload)
      SELECT o.message_id, o.type, o.correlation_id, o.causation_id, o.occurred_at, o.payload
        FROM moved JOIN ROWS FROM (jsonb_to_recordset($3::jsonb) AS (change_n integer,
            message_id varchar, type varchar, correlation_id varchar, causation_id varchar,
            occurred_at timestamptz, payload jsonb))
          WITH ORDINALITY AS o(change_n, message_id, type, correlation_id, causation_id,
            occurred_at, payload, position)
          ON o.change_n = moved.n
       ORDER BY o.position
    )
    SELECT n FROM moved`;

/** The four parameters of {@link APPLY_CHANGES_SQL} for these changes, numbered from 0. */
export function applyChangesParams(changes: readonly StatusChange[]): unknown[] {
  const rows = changes.map((change, n) => {
    const patch: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(change.patch)) {
      if (value === undefined) continue;
      const column = (PATCH_COLUMNS as Record<string, string | undefined>)[key];
      if (!column) throw new ValidationError(`a status change cannot set ${key}`, key);
      patch[column] = value;
    }
    return {
      n,
      backup_request_id: change.backupRequestId,
      from_status: change.from,
      to_status: change.to,
      at: change.at,
      by: change.by,
      message_id: change.messageId,
      patch,
    };
  });
  const backups = changes.flatMap((change, n) =>
    change.backup ? [{ change_n: n, ...backupRow(change.backup) }] : [],
  );
  const messages = changes.flatMap((change, n) =>
    change.outbox.map((message) => ({ change_n: n, ...outboxRow(message) })),
  );
  const ids = changes.map((change) => change.backupRequestId);
  return [JSON.stringify(rows), JSON.stringify(backups), JSON.stringify(messages), ids];
}

/** The request's columns, in the order of `createStatement`'s first parameters. */
const REQUEST_COLUMNS: ReadonlyArray<readonly [keyof BackupRequest, string]> = [
  ['backupRequestId', 'backup_request_id'],
  ['backupJobId', 'backup_job_id'],
  ['dataDate', 'data_date'],
  ['preparedDataPathName', 'prepared_data_path_name'],
  ['transportTypeCode', 'transport_type_code'],
  ['statusTypeCode', 'status_type_code'],
  ['backupProviderCode', 'backup_provider_code'],
  ['storagePathName', 'storage_path_name'],
  ['requesterId', 'requester_id'],
  ['correlationId', 'correlation_id'],
  ['receivedTimestamp', 'received_timestamp'],
  ['checkedTimestamp', 'checked_timestamp'],
  ['sentToInterfaceTimestamp', 'sent_to_interface_timestamp'],
  ['replyTimestamp', 'reply_timestamp'],
  ['replyMessageText', 'reply_message_text'],
  ['statusTimestamp', 'status_timestamp'],
];
/**
 * One request by id. The columns are named, not `*`: it runs as a prepared statement, and
 * PostgreSQL refuses to reuse a prepared `SELECT *` once a migration has added a column.
 */
export const FIND_REQUEST_SQL = `SELECT ${REQUEST_COLUMNS.map(([, column]) => column).join(', ')}
  FROM backup_request WHERE backup_request_id = $1`;

/** Several requests by id (`$1` a uuid array), for reads that arrived together. */
export const FIND_REQUESTS_SQL = `SELECT ${REQUEST_COLUMNS.map(([, column]) => column).join(', ')}
  FROM backup_request WHERE backup_request_id = ANY($1::uuid[])`;

const STATUS_PARAM = `$${REQUEST_COLUMNS.findIndex(([field]) => field === 'statusTypeCode') + 1}`;
const AT_PARAM = `$${REQUEST_COLUMNS.findIndex(([field]) => field === 'statusTimestamp') + 1}`;

/**
 * A new request, its first history row, its outbox messages and its Idempotency-Key as one
 * statement. The key goes in with the rest, so a clash with another call's key aborts all.
 */
export function createStatement(
  request: BackupRequest,
  outbox: readonly OutboxMessage[],
  by: string,
  idempotency?: IdempotencyRecord,
): Statement {
  const params: unknown[] = REQUEST_COLUMNS.map(([field]) => request[field]);
  const values = params.map((_, i) => `$${i + 1}`).join(', ');
  params.push(by, outboxJson(outbox));
  const [byParam, outboxParam] = [`$${params.length - 1}`, `$${params.length}`];
  let keyCte = '';
  if (idempotency) {
    params.push(idempotency.requesterId, idempotency.key, idempotency.fingerprint);
    const n = params.length;
    keyCte = `, key_row AS (
      INSERT INTO intake_idempotency_key (requester_id, idempotency_key, fingerprint,
          backup_request_id)
      SELECT $${n - 2}, $${n - 1}, $${n}, backup_request_id FROM created)`;
  }
  const sql = `WITH created AS (
      INSERT INTO backup_request (${REQUEST_COLUMNS.map(([, column]) => column).join(', ')})
      VALUES (${values})
      RETURNING backup_request_id
    ), history_row AS (
      INSERT INTO backup_request_status_history (backup_request_id, from_status_type_code,
          to_status_type_code, status_timestamp, changed_by_service_name, message_id)
      SELECT backup_request_id, NULL, ${STATUS_PARAM}, ${AT_PARAM}, ${byParam}, NULL FROM created
    )${keyCte}, outbox_rows AS (${insertOutboxSql(outboxParam, 'created')})
    SELECT backup_request_id FROM created`;
  return { sql, params };
}

/** Claims stalled requests: locks them (skipping rows others hold) and marks them re-driven. */
export const CLAIM_STALLED_SQL = `UPDATE backup_request SET redriven_timestamp = $1
  WHERE backup_request_id IN (
    SELECT backup_request_id FROM backup_request
     WHERE status_type_code = ANY($2::text[]) AND status_timestamp < $3
       AND (redriven_timestamp IS NULL OR redriven_timestamp < $4)
     ORDER BY status_timestamp
     LIMIT $5
       FOR UPDATE SKIP LOCKED)
  RETURNING *`;
