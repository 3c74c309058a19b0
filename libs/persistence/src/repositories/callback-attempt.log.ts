import {
  CALLBACK_ATTEMPT_REASON_MAX,
  clipText,
  type CallbackAttemptLog,
  type CallbackAttemptRecord,
} from '@linebacker/domain';
import type { Database } from '../database';
import type { CallbackAttemptRow } from '../schema/callback-attempt.schema';
import { CALLBACK_ATTEMPT_TABLE, columnList, hydrate } from '../schema/table';
import { lookupId } from './lookup-id';

const toRecord = ({ callbackAttemptId: _id, ...record }: CallbackAttemptRow) => record;

const { name: table, column, written: WRITTEN } = CALLBACK_ATTEMPT_TABLE;
const INSERT_SQL = `INSERT INTO ${table} (${columnList(WRITTEN)})
  VALUES (${WRITTEN.map((_, n) => `$${n + 1}`).join(', ')})`;
const FOR_REQUEST_SQL = `SELECT ${columnList(CALLBACK_ATTEMPT_TABLE.columns)}
  FROM ${table} WHERE ${column.backupRequestId} = $1 ORDER BY ${column.callbackAttemptId}`;

/** CallbackAttemptLog on PostgreSQL (`callback_attempt`). */
export class PostgresCallbackAttemptLog implements CallbackAttemptLog {
  constructor(private readonly database: Database) {}

  /** Appends one attempt; a reason longer than the column is cut. */
  async record(attempt: CallbackAttemptRecord): Promise<void> {
    const row: Omit<CallbackAttemptRow, 'callbackAttemptId'> = {
      ...attempt,
      durationMs: Math.max(0, Math.round(attempt.durationMs)),
      reason: clipText(attempt.reason ?? undefined, CALLBACK_ATTEMPT_REASON_MAX) ?? null,
    };
    await this.database.query(
      INSERT_SQL,
      WRITTEN.map(({ property }) => row[property as keyof typeof row] ?? null),
    );
  }

  /** The request's attempts, oldest first. */
  async forRequest(backupRequestId: string): Promise<CallbackAttemptRecord[]> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return [];
    const rows = await this.database.query(FOR_REQUEST_SQL, [id]);
    return rows.map((row) => toRecord(hydrate(CALLBACK_ATTEMPT_TABLE, row)));
  }
}
