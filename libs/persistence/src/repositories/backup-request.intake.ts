import {
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  TransientError,
  type BackupRequest,
  type CreateOutcome,
  type IdempotencyRecord,
  type OutboxMessage,
} from '@linebacker/domain';
import type { Database } from '../database';
import { constraintOf, sqlStateOf } from '../pg-errors';
import { hydrate, IDEMPOTENCY_KEY_TABLE } from '../schema/table';
import { findRequest } from './backup-request.reads';
import {
  Coalescer,
  togetherOrAlone,
  type BatchObserver,
  type CoalescerOptions,
  type Settled,
} from './coalescer';
import {
  CREATE_BATCH_SQL,
  CREATE_SQL,
  CREATE_WITH_KEY_SQL,
  createBatchParams,
  createParams,
  FIND_KEY_SQL,
  type NewRequest,
} from './intake.sql';

/** What intake needs besides the pool. */
export interface IntakeSettings {
  /** Recorded as `by` on the first history row. */
  service: string;
  /** How long a call waits on another uncommitted call with the same key. */
  lockTimeoutMs: number;
  /** Told how many outbox rows a commit wrote. */
  outboxWritten(count: number): void;
  /** Group commit bounds for creates without a key, or false for one statement each. */
  batching: CoalescerOptions | false;
  /** Told of each batch of creates (a failed one's creates are retried alone). */
  batches: BatchObserver;
}

/**
 * `create` of BackupRequestRepository: a new request, atomic and idempotent by key. Creates
 * without a key that arrive together commit together (group commit, as the status changes
 * do); a create with a key runs alone, in its own transaction with a lock timeout.
 */
export class BackupRequestIntake {
  private readonly batches: Coalescer<NewRequest, void> | null;

  constructor(
    private readonly database: Database,
    private readonly settings: IntakeSettings,
  ) {
    this.batches = settings.batching
      ? new Coalescer(
          (batch) => this.createBatch(batch),
          ({ request }) => request.backupRequestId,
          settings.batching,
          settings.batches.started,
        )
      : null;
  }

  /** Stores the request, its history row, outbox rows and key in one statement. */
  async create(
    request: BackupRequest,
    outbox: OutboxMessage[],
    idempotency?: IdempotencyRecord,
  ): Promise<CreateOutcome> {
    if (!idempotency) {
      await (this.batches
        ? this.batches.run({ request, outbox })
        : this.createAlone({ request, outbox }));
    } else {
      const params = createParams(request, outbox, this.settings.service, idempotency);
      try {
        // The key insert waits on another uncommitted insert of the same key; the lock
        // timeout turns that wait into a quick, recognisable 55P03.
        await this.database.inTransaction((session) => session.rows(CREATE_WITH_KEY_SQL, params), {
          lockTimeoutMs: this.settings.lockTimeoutMs,
        });
      } catch (error) {
        return this.resolveKeyClash(error, idempotency);
      }
    }
    this.settings.outboxWritten(outbox.length);
    return { outcome: 'created', request };
  }

  /**
   * Creates that arrived together: one statement for all. If it fails, the failure is
   * reported and each runs on its own, so an error reaches only the create it belongs to.
   */
  private createBatch(batch: NewRequest[]): Promise<Settled<void>[]> {
    return togetherOrAlone(
      batch,
      async (creates) => {
        const params = createBatchParams(creates, this.settings.service);
        await this.database.withSession((session) => session.prepared(CREATE_BATCH_SQL, params));
        return creates.map(() => undefined);
      },
      (create) => this.createAlone(create),
      this.settings.batches,
    );
  }

  private async createAlone({ request, outbox }: NewRequest): Promise<void> {
    const params = createParams(request, outbox, this.settings.service);
    await this.database.withSession((session) => session.prepared(CREATE_SQL, params));
  }

  private async resolveKeyClash(error: unknown, key: IdempotencyRecord): Promise<CreateOutcome> {
    if (sqlStateOf(error) === '55P03') throw new IdempotencyKeyInFlightError(key.key);
    if (sqlStateOf(error) !== '23505' || constraintOf(error) !== 'pk_intake_idempotency_key') {
      throw error;
    }
    // The failed statement aborted its transaction; read the winner's row afresh.
    return this.database.withSession(async (session) => {
      const [row] = await session.rows(FIND_KEY_SQL, [key.requesterId, key.key]);
      const stored = row ? hydrate(IDEMPOTENCY_KEY_TABLE, row) : null;
      if (stored === null) {
        throw new TransientError('IdempotencyKeyVanished', 'the clashing key is gone; retry');
      }
      if (stored.fingerprint !== key.fingerprint) throw new IdempotencyKeyReusedError(key.key);
      const original = await findRequest(session, stored.backupRequestId);
      if (original === null) throw new TransientError('IdempotencyKeyOrphan', 'no request');
      return { outcome: 'replayed', request: original };
    });
  }
}
