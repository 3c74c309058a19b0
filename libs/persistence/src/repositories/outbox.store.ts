import type { OutboxRecord, OutboxStore, OutboxTake } from '@linebacker/domain';
import { passThrough, sqlInteger, type Database } from '../database';
import type { OutboxRow } from '../schema/outbox.schema';
import { hydrate, OUTBOX_TABLE } from '../schema/table';

/**
 * Opens the relay's transaction and takes a batch in ONE round trip (the simple query
 * protocol runs several statements; the limit and the take's bound are integers written into
 * the text): the oldest unlocked rows the take admits are locked and deleted, and come back
 * to be published. COMMIT makes the deletion stick only after the broker confirmed them;
 * ROLLBACK, or the connection dying before COMMIT, puts them back. The broker holds the
 * published messages, so losing the DELETE in a server crash only means publishing them
 * again: the commit need not wait for the WAL flush (`synchronous_commit = off`, which takes
 * an fsync off every batch).
 */
const takeBatchSql = (limit: number, take: OutboxTake | undefined): string =>
  `BEGIN; SET LOCAL synchronous_commit = off;
   DELETE FROM outbox WHERE sequence IN (
     SELECT sequence FROM outbox${takeFilter(take)} ORDER BY sequence
      LIMIT ${limit} FOR UPDATE SKIP LOCKED)
   RETURNING *`;

/**
 * The WHERE clause of a take. A lane's take walks `ix_outbox_lane_sequence` from the lane's
 * oldest row, so it meets only the rows its own process wrote; the sweep's walks the primary
 * key and skips the rows younger than its bound. Skipped sequences are checked as bigint
 * literals before they are written into the text.
 */
function takeFilter(take: OutboxTake | undefined): string {
  const conditions: string[] = [];
  if (take?.lane !== undefined) conditions.push(`lane = ${sqlInteger(take.lane)}`);
  if (take?.olderThanMs !== undefined)
    conditions.push(
      `created_at < now() - ${sqlInteger(take.olderThanMs)} * interval '1 millisecond'`,
    );
  if (take?.skip?.length)
    conditions.push(`sequence <> ALL ('{${take.skip.map(sqlSequence).join(',')}}'::bigint[])`);
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

/** An outbox sequence as SQL text: a decimal bigint, or a TypeError. */
function sqlSequence(sequence: string): string {
  if (!/^[0-9]{1,19}$/.test(sequence)) throw new TypeError(`not a sequence: ${sequence}`);
  return sequence;
}

const BACKLOG_SQL = 'SELECT count(*)::int AS count, min(occurred_at) AS oldest FROM outbox';

/** Orders bigint sequences given as decimal strings (DELETE … RETURNING has no order). */
function compareSequences(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

const toRecord = ({ createdAt: _, lane: __, ...record }: OutboxRow): OutboxRecord => record;

/**
 * OutboxStore on PostgreSQL. A published row is DELETED, not flagged: the broker (and the
 * status history) keep the record of what happened, and a table that only ever holds the
 * unsent rows needs no clean-up job and no partial index for the relay's scan.
 *
 * The row locks are held while `publish` runs, so `publish` must be bounded well below the
 * pool's idle-in-transaction timeout. If the server ends the session anyway, the COMMIT
 * fails, the rows stay and are published again: delivery is at least once, by message id.
 */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly database: Database) {}

  /**
   * Takes, publishes and deletes up to `limit` rows that `take` admits, in sequence order;
   * returns how many. Two round trips per batch: the take (see takeBatchSql) and COMMIT (or
   * ROLLBACK).
   */
  async processBatch(
    limit: number,
    publish: (records: OutboxRecord[]) => Promise<void>,
    take?: OutboxTake,
  ): Promise<number> {
    if (limit <= 0) return 0;
    // Built first: a take that cannot be written as SQL fails before a session is taken.
    const sql = takeBatchSql(Math.trunc(limit), take);
    return this.database.withSession(async (session) => {
      try {
        // The DELETE's rows: the text's last statement.
        const rows = await session.rows(sql);
        const records = rows
          .map((row) => toRecord(hydrate(OUTBOX_TABLE, row)))
          .sort((a, b) => compareSequences(a.sequence, b.sequence));
        // publish's own error reaches the caller unchanged (after the rollback).
        if (records.length > 0) await passThrough(() => publish(records));
        await session.rows('COMMIT');
        return records.length;
      } catch (error) {
        await session.rows('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Unpublished rows and the age of the oldest by its `occurredAt` (0 when empty). */
  async backlog(now: Date): Promise<{ count: number; oldestAgeMs: number }> {
    const [row] = await this.database.query(BACKLOG_SQL);
    const oldest = row?.['oldest'] as Date | null | undefined;
    const count = Number(row?.['count'] ?? 0);
    return { count, oldestAgeMs: oldest ? Math.max(0, now.getTime() - oldest.getTime()) : 0 };
  }
}
