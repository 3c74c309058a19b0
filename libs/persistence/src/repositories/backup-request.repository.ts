import {
  REQUEST_STATUSES,
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  TransientError,
  type BackupRequest,
  type BackupRequestRepository,
  type CreateOutcome,
  type IdempotencyRecord,
  type OutboxMessage,
  type RequestStatus,
  type StalledQuery,
  type StatusChange,
  type StatusHistoryEntry,
} from '@linebacker/domain';
import type { DataSource, QueryRunner } from 'typeorm';
import { constraintOf, sqlStateOf } from '../pg-errors';
import { BackupRequestSchema, type BackupRequestRow } from '../schema/backup-request.schema';
import { IdempotencyKeySchema } from '../schema/idempotency-key.schema';
import { StatusHistorySchema } from '../schema/status-history.schema';
import {
  APPLY_CHANGES_SQL,
  applyChangesParams,
  applyChangeStatement,
  CLAIM_STALLED_SQL,
  createStatement,
  FIND_REQUEST_SQL,
  FIND_REQUESTS_SQL,
} from './backup-request.sql';
import { Coalescer, type CoalescerOptions, type Settled } from './coalescer';
import {
  hydrate,
  inTransaction,
  passThrough,
  preparedRows,
  queryRows,
  withConnection,
} from './connection';
import { lookupId } from './lookup-id';
import { insertOutboxSql, outboxJson } from './outbox.sql';

/** Options of {@link TypeormBackupRequestRepository}. */
export interface BackupRequestRepositoryOptions {
  /** Recorded as `by` on the history row that `create` writes. Default `http-receiver`. */
  service?: string;
  /** How long intake waits on another uncommitted call with the same key. Default 2000. */
  idempotencyLockTimeoutMs?: number;
  /**
   * Called (synchronously, errors ignored) after a commit that wrote outbox rows, so an
   * in-process relay can publish at once instead of waiting for its next poll.
   */
  onOutboxWritten?: () => void;
  /**
   * Group commit: while `maxInFlight` reads (or status changes) are running, further ones
   * wait and then go together, up to `maxBatch` in one statement. Default 2 and 50; `false`
   * runs every call on its own.
   */
  batching?: CoalescerOptions | false;
}

/** Batches of each kind running at once, and their largest size, unless configured. */
export const DEFAULT_BATCHING: CoalescerOptions = { maxInFlight: 2, maxBatch: 50 };

const settle = <T>(work: Promise<T>): Promise<Settled<T>> =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

const COUNT_BY_STATUS_SQL =
  'SELECT status_type_code AS status, count(*)::int AS count FROM backup_request GROUP BY 1';

const toRequest = ({ redrivenTimestamp: _, ...request }: BackupRequestRow): BackupRequest =>
  request;

const toHistoryEntry = ({
  statusHistoryId: _,
  ...entry
}: StatusHistoryEntry & { statusHistoryId: string }): StatusHistoryEntry => entry;

/**
 * One request by id, as plain SQL: every pipeline step reads its request first, and
 * TypeORM's `findOne` spends more CPU building and mapping the query than the query costs.
 */
async function findRequest(runner: QueryRunner, id: string): Promise<BackupRequest | null> {
  const [row] = await preparedRows(runner, FIND_REQUEST_SQL, [id]);
  return row ? toRequest(hydrate(runner.connection, BackupRequestSchema, row)) : null;
}

/** Several requests by id in one statement, each id's request or null. */
async function findRequests(
  runner: QueryRunner,
  ids: readonly string[],
): Promise<Array<BackupRequest | null>> {
  const rows = await preparedRows(runner, FIND_REQUESTS_SQL, [ids]);
  const byId = new Map<string, BackupRequest>();
  for (const row of rows) {
    const request = toRequest(hydrate(runner.connection, BackupRequestSchema, row));
    byId.set(request.backupRequestId, request);
  }
  return ids.map((id) => byId.get(id) ?? null);
}

/** BackupRequestRepository on PostgreSQL; see the port for the contract of each method. */
export class TypeormBackupRequestRepository implements BackupRequestRepository {
  private readonly service: string;
  private readonly lockTimeoutMs: number;
  private readonly reads: Coalescer<string, BackupRequest | null> | null;
  private readonly changes: Coalescer<StatusChange, 'applied' | 'conflict'> | null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: BackupRequestRepositoryOptions = {},
  ) {
    this.service = options.service ?? 'http-receiver';
    this.lockTimeoutMs = options.idempotencyLockTimeoutMs ?? 2000;
    const batching = options.batching ?? DEFAULT_BATCHING;
    this.reads = batching
      ? new Coalescer(
          (ids) => this.findBatch(ids),
          (id) => id,
          batching,
        )
      : null;
    this.changes = batching
      ? new Coalescer(
          (batch) => this.applyBatch(batch),
          (c) => c.backupRequestId,
          batching,
        )
      : null;
  }

  /** The request, or null; an empty or missing id throws ValidationError. */
  async findById(backupRequestId: string): Promise<BackupRequest | null> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return null;
    if (this.reads) return this.reads.run(id);
    return withConnection(this.dataSource, (runner) => findRequest(runner, id));
  }

  private async findBatch(ids: string[]): Promise<Settled<BackupRequest | null>[]> {
    if (ids.length === 1) {
      const id = ids[0] as string;
      return [await settle(withConnection(this.dataSource, (runner) => findRequest(runner, id)))];
    }
    const found = await withConnection(this.dataSource, (runner) => findRequests(runner, ids));
    return found.map((value) => ({ ok: true, value }));
  }

  /** Stores the request, its history row, outbox rows and key in one statement. */
  async create(
    request: BackupRequest,
    outbox: OutboxMessage[],
    idempotency?: IdempotencyRecord,
  ): Promise<CreateOutcome> {
    const { sql, params } = createStatement(request, outbox, this.service, idempotency);
    if (!idempotency) {
      await withConnection(this.dataSource, (runner) => preparedRows(runner, sql, params));
    } else {
      try {
        // The key insert waits on another uncommitted insert of the same key; the lock
        // timeout turns that wait into a quick, recognisable 55P03.
        await inTransaction(this.dataSource, (runner) => runner.query(sql, params), {
          lockTimeoutMs: this.lockTimeoutMs,
        });
      } catch (error) {
        return this.resolveKeyClash(error, idempotency);
      }
    }
    this.outboxWritten(outbox.length);
    return { outcome: 'created', request };
  }

  private async resolveKeyClash(error: unknown, key: IdempotencyRecord): Promise<CreateOutcome> {
    if (sqlStateOf(error) === '55P03') throw new IdempotencyKeyInFlightError(key.key);
    if (sqlStateOf(error) !== '23505' || constraintOf(error) !== 'pk_intake_idempotency_key') {
      throw error;
    }
    // The failed statement aborted its transaction; read the winner's row afresh.
    return withConnection(this.dataSource, async (runner) => {
      const stored = await runner.manager.findOne(IdempotencyKeySchema, {
        where: { requesterId: key.requesterId, idempotencyKey: key.key },
      });
      if (stored === null) {
        throw new TransientError('IdempotencyKeyVanished', 'the clashing key is gone; retry');
      }
      if (stored.fingerprint !== key.fingerprint) throw new IdempotencyKeyReusedError(key.key);
      const original = await findRequest(runner, stored.backupRequestId);
      if (original === null) throw new TransientError('IdempotencyKeyOrphan', 'no request');
      return { outcome: 'replayed', request: original };
    });
  }

  /**
   * The whole change is one statement, alone or with the changes that arrived with it (see
   * applyBatch). 'conflict' when the status is no longer `from`, and also when the request
   * already has a Backup: the unique constraint aborted the statement, so nothing of the
   * change was written.
   */
  async applyChange(change: StatusChange): Promise<'applied' | 'conflict'> {
    lookupId(change.backupRequestId, 'backupRequestId');
    return this.changes ? this.changes.run(change) : this.applyOne(change);
  }

  /**
   * Changes that arrived together: one statement for all (see APPLY_CHANGES_SQL). If it
   * fails, each change runs on its own, so an error (a second Backup, a bad patch, an outage)
   * is reported for the change it belongs to and the others still apply.
   */
  private async applyBatch(batch: StatusChange[]): Promise<Settled<'applied' | 'conflict'>[]> {
    if (batch.length > 1) {
      try {
        const rows = await withConnection(this.dataSource, (runner) =>
          preparedRows(runner, APPLY_CHANGES_SQL, applyChangesParams(batch)),
        );
        const applied = new Set(rows.map((row) => Number(row['n'])));
        const written = batch.filter((_, n) => applied.has(n));
        this.outboxWritten(written.reduce((sum, change) => sum + change.outbox.length, 0));
        return batch.map((_, n) => ({ ok: true, value: applied.has(n) ? 'applied' : 'conflict' }));
      } catch {
        // Fall through: one by one.
      }
    }
    return Promise.all(batch.map((change) => settle(this.applyOne(change))));
  }

  /** One change as one statement (see applyChangeStatement). */
  private async applyOne(change: StatusChange): Promise<'applied' | 'conflict'> {
    const { sql, params } = applyChangeStatement(change);
    let applied: boolean;
    try {
      const rows = await withConnection(this.dataSource, (runner) =>
        preparedRows(runner, sql, params),
      );
      applied = rows[0]?.['applied'] === 1;
    } catch (error) {
      if (sqlStateOf(error) === '23505' && constraintOf(error) === 'uq_backup_backup_request_id') {
        return 'conflict';
      }
      throw error;
    }
    if (applied) this.outboxWritten(change.outbox.length);
    return applied ? 'applied' : 'conflict';
  }

  /** Claims, marks and re-drives stalled requests in one transaction, oldest first. */
  async claimStalled(
    query: StalledQuery,
    redrive: (request: BackupRequest) => OutboxMessage[],
  ): Promise<BackupRequest[]> {
    if (query.limit <= 0 || query.statuses.length === 0) return [];
    const params = [
      query.now,
      [...query.statuses],
      query.changedBefore,
      query.redrivenBefore,
      query.limit,
    ];
    const claimed = await inTransaction(this.dataSource, async (runner) => {
      const rows = await queryRows(runner, CLAIM_STALLED_SQL, params);
      const requests = rows
        .map((row) => toRequest(hydrate(this.dataSource, BackupRequestSchema, row)))
        .sort((a, b) => a.statusTimestamp.getTime() - b.statusTimestamp.getTime());
      const messages = await passThrough(async () => requests.flatMap(redrive));
      if (messages.length > 0) await runner.query(insertOutboxSql('$1'), [outboxJson(messages)]);
      return { requests, written: messages.length };
    });
    this.outboxWritten(claimed.written);
    return claimed.requests;
  }

  /** The request's status changes, oldest first; empty for an unknown id. */
  async history(backupRequestId: string): Promise<StatusHistoryEntry[]> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return [];
    const rows = await withConnection(this.dataSource, (runner) =>
      runner.manager.find(StatusHistorySchema, {
        where: { backupRequestId: id },
        order: { statusHistoryId: 'ASC' },
      }),
    );
    return rows.map(toHistoryEntry);
  }

  /** Requests per status (a grouped count over the table; every status present). */
  async countByStatus(): Promise<Record<RequestStatus, number>> {
    const rows = await withConnection(this.dataSource, (runner) =>
      queryRows(runner, COUNT_BY_STATUS_SQL),
    );
    const counts = Object.fromEntries(REQUEST_STATUSES.map((status) => [status, 0])) as Record<
      RequestStatus,
      number
    >;
    for (const row of rows) counts[row['status'] as RequestStatus] = Number(row['count']);
    return counts;
  }

  private outboxWritten(count: number): void {
    if (count === 0 || !this.options.onOutboxWritten) return;
    try {
      this.options.onOutboxWritten();
    } catch {
      // Only a wake-up signal: the relay polls anyway, and the commit already happened.
    }
  }
}
