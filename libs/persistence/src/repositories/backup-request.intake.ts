import {
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  TransientError,
  type BackupRequest,
  type CreateOutcome,
  type IdempotencyRecord,
  type OutboxMessage,
} from '@linebacker/domain';
import type { DataSource } from 'typeorm';
import { constraintOf, sqlStateOf } from '../pg-errors';
import { IdempotencyKeySchema } from '../schema/idempotency-key.schema';
import { findRequest } from './backup-request.reads';
import { inTransaction, preparedRows, withConnection } from './connection';
import { CREATE_SQL, CREATE_WITH_KEY_SQL, createParams } from './intake.sql';

/** What intake needs besides the pool. */
export interface IntakeSettings {
  /** Recorded as `by` on the first history row. */
  service: string;
  /** How long a call waits on another uncommitted call with the same key. */
  lockTimeoutMs: number;
  /** Told how many outbox rows a commit wrote. */
  outboxWritten(count: number): void;
}

/** `create` of BackupRequestRepository: a new request, atomic and idempotent by key. */
export class BackupRequestIntake {
  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: IntakeSettings,
  ) {}

  /** Stores the request, its history row, outbox rows and key in one statement. */
  async create(
    request: BackupRequest,
    outbox: OutboxMessage[],
    idempotency?: IdempotencyRecord,
  ): Promise<CreateOutcome> {
    const params = createParams(request, outbox, this.settings.service, idempotency);
    if (!idempotency) {
      await withConnection(this.dataSource, (runner) => preparedRows(runner, CREATE_SQL, params));
    } else {
      try {
        // The key insert waits on another uncommitted insert of the same key; the lock
        // timeout turns that wait into a quick, recognisable 55P03.
        await inTransaction(
          this.dataSource,
          (runner) => runner.query(CREATE_WITH_KEY_SQL, params),
          {
            lockTimeoutMs: this.settings.lockTimeoutMs,
          },
        );
      } catch (error) {
        return this.resolveKeyClash(error, idempotency);
      }
    }
    this.settings.outboxWritten(outbox.length);
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
}
