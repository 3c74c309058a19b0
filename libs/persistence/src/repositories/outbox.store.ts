import type { OutboxRecord, OutboxStore } from '@linebacker/domain';
import type { DataSource } from 'typeorm';
import { OutboxSchema, type OutboxRow } from '../schema/outbox.schema';
import { hydrate, inTransaction, passThrough, queryRows, withConnection } from './connection';

const LOCK_BATCH_SQL = 'SELECT * FROM outbox ORDER BY sequence LIMIT $1 FOR UPDATE SKIP LOCKED';
const DELETE_BATCH_SQL = 'DELETE FROM outbox WHERE sequence = ANY($1::bigint[])';
const BACKLOG_SQL = 'SELECT count(*)::int AS count, min(occurred_at) AS oldest FROM outbox';

const toRecord = ({ createdAt: _, ...record }: OutboxRow): OutboxRecord => record;

/**
 * OutboxStore on PostgreSQL. A published row is DELETED, not flagged: the broker (and the
 * status history) keep the record of what happened, and a table that only ever holds the
 * unsent rows needs no clean-up job and no partial index for the relay's scan.
 *
 * The row locks are held while `publish` runs, so `publish` must be bounded well below the
 * pool's idle-in-transaction timeout. If the server ends the session anyway, the DELETE
 * fails, the rows stay and are published again: delivery is at least once, by message id.
 */
export class TypeormOutboxStore implements OutboxStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Locks, publishes and deletes up to `limit` rows in sequence order; returns how many. */
  async processBatch(
    limit: number,
    publish: (records: OutboxRecord[]) => Promise<void>,
  ): Promise<number> {
    if (limit <= 0) return 0;
    // The broker already holds the published messages; losing the DELETE in a server crash
    // only means publishing them again (delivery is at least once anyway), so the commit need
    // not wait for the WAL flush. It takes an fsync off every relay batch, and the setting
    // rides in BEGIN's round trip.
    const settings = { synchronousCommit: false } as const;
    return inTransaction(
      this.dataSource,
      async (runner) => {
        const rows = await queryRows(runner, LOCK_BATCH_SQL, [limit]);
        if (rows.length === 0) return 0;
        const records = rows.map((row) => toRecord(hydrate(this.dataSource, OutboxSchema, row)));
        // publish's own error reaches the caller unchanged (after the rollback).
        await passThrough(() => publish(records));
        await runner.query(DELETE_BATCH_SQL, [records.map((record) => record.sequence)]);
        return records.length;
      },
      settings,
    );
  }

  /** Unpublished rows and the age of the oldest by its `occurredAt` (0 when empty). */
  async backlog(now: Date): Promise<{ count: number; oldestAgeMs: number }> {
    const [row] = await withConnection(this.dataSource, (runner) => queryRows(runner, BACKLOG_SQL));
    const oldest = row?.['oldest'] as Date | null | undefined;
    const count = Number(row?.['count'] ?? 0);
    return { count, oldestAgeMs: oldest ? Math.max(0, now.getTime() - oldest.getTime()) : 0 };
  }
}
