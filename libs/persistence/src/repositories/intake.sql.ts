import type { BackupRequest, IdempotencyRecord, OutboxMessage } from '@linebacker/domain';
import type { BackupRequestRow } from '../schema/backup-request.schema';
import {
  columnList,
  HISTORY_TABLE,
  IDEMPOTENCY_KEY_TABLE,
  insertSelectSql,
  jsonRow,
  recordsetColumns,
  REQUEST_TABLE,
} from '../schema/table';
import { insertOutboxSql, outboxJson, outboxRow } from './outbox.sql';

/** Columns of a row that are recovery's and the sender's bookkeeping, not part of a request. */
const ROW_ONLY: ReadonlyArray<Exclude<keyof BackupRequestRow, keyof BackupRequest>> = [
  'redrivenTimestamp',
  'replyResendCount',
  'replyResentTimestamp',
  'sendClaimToken',
  'sendClaimExpiresTimestamp',
];

/** The request's columns, in the order of the statements' first parameters. */
const REQUEST_COLUMNS = REQUEST_TABLE.written.filter(
  ({ property }) => !(ROW_ONLY as readonly string[]).includes(property),
);

const param = (property: keyof BackupRequest): string =>
  `$${REQUEST_COLUMNS.findIndex((column) => column.property === property) + 1}`;
const BY_PARAM = `$${REQUEST_COLUMNS.length + 1}`;
const OUTBOX_PARAM = `$${REQUEST_COLUMNS.length + 2}`;
const keyParam = (i: number): string => `$${REQUEST_COLUMNS.length + 3 + i}`;

function createSql(withKey: boolean): string {
  const keyCte = withKey
    ? `, key_row AS (${insertSelectSql(
        IDEMPOTENCY_KEY_TABLE,
        {
          requesterId: keyParam(0),
          idempotencyKey: keyParam(1),
          fingerprint: keyParam(2),
          backupRequestId: REQUEST_TABLE.column.backupRequestId,
        },
        'FROM created',
      )})`
    : '';
  return `WITH created AS (
      INSERT INTO ${REQUEST_TABLE.name} (${columnList(REQUEST_COLUMNS)})
      VALUES (${REQUEST_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
      RETURNING ${REQUEST_TABLE.column.backupRequestId}
    ), history_row AS (${insertSelectSql(
      HISTORY_TABLE,
      {
        backupRequestId: REQUEST_TABLE.column.backupRequestId,
        fromStatus: 'NULL',
        toStatus: param('statusTypeCode'),
        at: param('statusTimestamp'),
        by: BY_PARAM,
        messageId: 'NULL',
      },
      'FROM created',
    )})${keyCte}, outbox_rows AS (${insertOutboxSql(OUTBOX_PARAM, { cte: 'created' })})
    SELECT ${REQUEST_TABLE.column.backupRequestId} FROM created`;
}

/**
 * A new request, its first history row and its outbox messages as one statement: one round
 * trip, one implicit transaction.
 */
export const CREATE_SQL = createSql(false);

/**
 * {@link CREATE_SQL} plus the Idempotency-Key. The key goes in with the rest, so a clash
 * with another call's key aborts all.
 */
export const CREATE_WITH_KEY_SQL = createSql(true);

/**
 * New requests without a key that arrived together, as ONE statement with a fixed text (so
 * it runs prepared, in one round trip and one implicit transaction): every request, its
 * first history row and its outbox messages, as {@link CREATE_SQL} writes them for one. The
 * requests travel as a JSON parameter (`$1`, numbered by `n`), the messages as another
 * (`$3`, each tied to its request by `change_n`), in the order they were listed. Any error
 * aborts the whole statement, so no request is ever partly written.
 */
export const CREATE_BATCH_SQL = `WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb)
        AS r(n integer, ${recordsetColumns(REQUEST_COLUMNS)})
    ), created AS (
      INSERT INTO ${REQUEST_TABLE.name} (${columnList(REQUEST_COLUMNS)})
      SELECT ${columnList(REQUEST_COLUMNS)} FROM input ORDER BY n
    ), history_row AS (${insertSelectSql(
      HISTORY_TABLE,
      {
        backupRequestId: REQUEST_TABLE.column.backupRequestId,
        fromStatus: 'NULL',
        toStatus: REQUEST_TABLE.column.statusTypeCode,
        at: REQUEST_TABLE.column.statusTimestamp,
        by: '$2',
        messageId: 'NULL',
      },
      'FROM input ORDER BY n',
    )}), outbox_rows AS (${insertOutboxSql('$3', { cte: 'input', byChange: true })})
    SELECT count(*)::int AS count FROM input`;

/** A request to create without a key, with the messages its creation sends. */
export interface NewRequest {
  request: BackupRequest;
  outbox: readonly OutboxMessage[];
}

/** The three parameters of {@link CREATE_BATCH_SQL} for these requests, numbered from 0. */
export function createBatchParams(batch: readonly NewRequest[], by: string): unknown[] {
  const rows = batch.map(({ request }, n) => ({ n, ...jsonRow(REQUEST_COLUMNS, request) }));
  const messages = batch.flatMap(({ outbox }, n) =>
    outbox.map((message) => ({ change_n: n, ...outboxRow(message) })),
  );
  return [JSON.stringify(rows), by, JSON.stringify(messages)];
}

/** The parameters of {@link CREATE_SQL}, or of {@link CREATE_WITH_KEY_SQL} with a key. */
export function createParams(
  request: BackupRequest,
  outbox: readonly OutboxMessage[],
  by: string,
  idempotency?: IdempotencyRecord,
): unknown[] {
  const values = request as unknown as Record<string, unknown>;
  const params = [...REQUEST_COLUMNS.map(({ property }) => values[property]), by];
  params.push(outboxJson(outbox));
  if (idempotency) params.push(idempotency.requesterId, idempotency.key, idempotency.fingerprint);
  return params;
}

/** A stored Idempotency-Key by requester (`$1`) and key (`$2`). */
export const FIND_KEY_SQL = `SELECT ${columnList(IDEMPOTENCY_KEY_TABLE.columns)}
  FROM ${IDEMPOTENCY_KEY_TABLE.name}
  WHERE ${IDEMPOTENCY_KEY_TABLE.column.requesterId} = $1
    AND ${IDEMPOTENCY_KEY_TABLE.column.idempotencyKey} = $2`;
