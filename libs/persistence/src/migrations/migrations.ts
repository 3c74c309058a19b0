import { setTimeout as sleep } from 'node:timers/promises';
import { MigrationExecutor, type DataSource, type QueryRunner } from 'typeorm';
import { sqlStateOf, toPersistenceError } from '../pg-errors';
import { INSUFFICIENT_PRIVILEGE, MigrationNotPermittedError } from '../privilege-errors';
import { CreateBackupRequest1795795200001 } from './1795795200001-create-backup-request.migration';
import { CreateStatusHistory1795795200002 } from './1795795200002-create-status-history.migration';
import { CreateBackup1795795200003 } from './1795795200003-create-backup.migration';
import { CreateOutbox1795795200004 } from './1795795200004-create-outbox.migration';
import { CreateIntakeIdempotencyKey1795795200005 } from './1795795200005-create-intake-idempotency-key.migration';
import { GrantLinebackerRoles1795795200006 } from './1795795200006-grant-linebacker-roles.migration';
import { AddReplyDeadline1795795200007 } from './1795795200007-add-reply-deadline.migration';
import { CaptureJobFacts1795795200008 } from './1795795200008-capture-job-facts.migration';
import { SendClaim1795795200009 } from './1795795200009-send-claim.migration';
import { RetentionIndexes1795795200010 } from './1795795200010-retention-indexes.migration';
import { GrantRetentionRole1795795200011 } from './1795795200011-grant-retention-role.migration';
import { AddCallbackUrl1795795200012 } from './1795795200012-add-callback-url.migration';
import { CreateCallbackAttempt1795795200013 } from './1795795200013-create-callback-attempt.migration';

/** Every migration, oldest first. */
export const ALL_MIGRATIONS = [
  CreateBackupRequest1795795200001,
  CreateStatusHistory1795795200002,
  CreateBackup1795795200003,
  CreateOutbox1795795200004,
  CreateIntakeIdempotencyKey1795795200005,
  GrantLinebackerRoles1795795200006,
  AddReplyDeadline1795795200007,
  CaptureJobFacts1795795200008,
  SendClaim1795795200009,
  RetentionIndexes1795795200010,
  GrantRetentionRole1795795200011,
  AddCallbackUrl1795795200012,
  CreateCallbackAttempt1795795200013,
];

/** Where TypeORM records which migrations ran. */
export const MIGRATIONS_TABLE_NAME = 'linebacker_migration';

/**
 * Every instance of every app may run migrations at start-up, at the same moment. TypeORM
 * does not serialise them, so a session advisory lock does; the executor runs on the very
 * connection that holds the lock, so a pool of one cannot deadlock against itself.
 *
 * The lock is polled, not waited for: a session blocked in `pg_advisory_lock` is a running
 * transaction, and `CREATE INDEX CONCURRENTLY` in the holder's migration waits for every
 * such transaction to end, a deadlock (seen in the concurrent-start test). The wait, like
 * each migration statement, is bounded by the session's `statement_timeout`.
 */
const MIGRATION_TRY_LOCK_SQL =
  "SELECT pg_try_advisory_lock(hashtext('linebacker:migrations')) AS locked";
const MIGRATION_UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('linebacker:migrations'))";
const STATEMENT_TIMEOUT_SQL =
  "SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'";
const LOCK_POLL_MS = 100;

/** Takes the migration lock on the runner's session, polling until `statement_timeout`. */
async function takeMigrationLock(runner: QueryRunner): Promise<void> {
  const [{ ms }] = (await runner.query(STATEMENT_TIMEOUT_SQL)) as [{ ms: number }];
  const deadline = ms > 0 ? Date.now() + ms : Infinity;
  for (;;) {
    const [{ locked }] = (await runner.query(MIGRATION_TRY_LOCK_SQL)) as [{ locked: boolean }];
    if (locked) return;
    if (Date.now() >= deadline)
      throw Object.assign(new Error('timed out waiting for the migration lock'), {
        code: '57014',
      });
    await sleep(LOCK_POLL_MS);
  }
}

async function withMigrationLock<T>(
  dataSource: DataSource,
  work: (executor: MigrationExecutor) => Promise<T>,
): Promise<T> {
  const runner: QueryRunner = dataSource.createQueryRunner();
  try {
    await takeMigrationLock(runner);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return await work(executor);
    } finally {
      // If the session died, the server already dropped the lock; the original error
      // matters more than a failed unlock.
      await runner.query(MIGRATION_UNLOCK_SQL).catch(() => undefined);
    }
  } catch (error) {
    throw migrationError(error);
  } finally {
    await runner.release();
  }
}

/**
 * A refused privilege here means the wrong role runs the migrations (an app's role has none
 * on the schema or on linebacker_migration), which no retry can fix; the rest is mapped as
 * any database failure.
 */
function migrationError(error: unknown): Error {
  if (sqlStateOf(error) !== INSUFFICIENT_PRIVILEGE) return toPersistenceError(error);
  const facts = error as { message?: unknown; hint?: unknown; driverError?: { hint?: unknown } };
  const hint = facts.hint ?? facts.driverError?.hint;
  return new MigrationNotPermittedError(
    typeof facts.message === 'string' ? facts.message : String(error),
    typeof hint === 'string' ? hint : undefined,
    error,
  );
}

/** Applies every pending migration, each in its own transaction; returns their names. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  return withMigrationLock(dataSource, async (executor) => {
    const applied = await executor.executePendingMigrations();
    return applied.map((migration) => migration.name);
  });
}

/**
 * Reverts every applied migration, newest first, leaving only TypeORM's bookkeeping table.
 * For tests and for tearing down a scratch database; never part of a deployment.
 */
export async function revertAllMigrations(dataSource: DataSource): Promise<number> {
  return withMigrationLock(dataSource, async (executor) => {
    let reverted = 0;
    while ((await executor.getExecutedMigrations()).length > 0) {
      await executor.undoLastMigration();
      reverted++;
    }
    return reverted;
  });
}
