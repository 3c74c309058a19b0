import type { RetentionCounts, RetentionCutoffs, RetentionStore } from '@linebacker/domain';
import type { Database } from '../database';
import {
  COUNT_DUE_SQL,
  MARK_BACKUPS_SQL,
  REMOVE_KEYS_SQL,
  REMOVE_REQUESTS_SQL,
} from './retention.sql';

const count = (row: Record<string, unknown> | undefined, column: string): number =>
  Number(row?.[column] ?? 0);

/**
 * RetentionStore on PostgreSQL: each batch is one statement, so one implicit transaction
 * and one round trip, holding its row locks only for as long as the statement runs
 * (ADR 0213). Statements run unnamed, planned with the real cutoff each time.
 */
export class PostgresRetentionStore implements RetentionStore {
  constructor(private readonly database: Database) {}

  private async one(sql: string, params: unknown[]): Promise<Record<string, unknown>> {
    const [row] = await this.database.query(sql, params);
    return row ?? {};
  }

  async markBackupsDeleted(dueOnOrBefore: string, at: Date, limit: number): Promise<number> {
    return count(await this.one(MARK_BACKUPS_SQL, [dueOnOrBefore, at, limit]), 'n');
  }

  async removeIdempotencyKeys(createdBefore: Date, limit: number): Promise<number> {
    return count(await this.one(REMOVE_KEYS_SQL, [createdBefore, limit]), 'n');
  }

  async removeTerminalRequests(endedBefore: Date, limit: number): Promise<RetentionCounts> {
    const row = await this.one(REMOVE_REQUESTS_SQL, [endedBefore, limit]);
    return {
      requests: count(row, 'requests'),
      statusHistory: count(row, 'status_history'),
      backups: count(row, 'backups'),
      idempotencyKeys: count(row, 'idempotency_keys'),
      backupsMarked: 0,
    };
  }

  async countDue(cutoffs: RetentionCutoffs): Promise<RetentionCounts> {
    const row = await this.one(COUNT_DUE_SQL, [
      cutoffs.requestsEndedBefore,
      cutoffs.keysCreatedBefore,
      cutoffs.backupsDueOnOrBefore,
    ]);
    return {
      requests: count(row, 'requests'),
      statusHistory: count(row, 'status_history'),
      backups: count(row, 'backups'),
      idempotencyKeys: count(row, 'idempotency_keys'),
      backupsMarked: count(row, 'backups_marked'),
    };
  }
}
