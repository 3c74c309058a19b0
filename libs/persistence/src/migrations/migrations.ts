import { setTimeout as sleep } from 'node:timers/promises';
import { MigrationExecutor, type DataSource, type QueryRunner } from 'typeorm';
import type { PersistenceConfig } from '../config/persistence.config';
import { openDataSource } from '../data-source';
import { sqlStateOf, toPersistenceError } from '../pg-errors';
import { INSUFFICIENT_PRIVILEGE, MigrationNotPermittedError } from '../privilege-errors';
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
export async function applyPendingMigrations(dataSource: DataSource): Promise<string[]> {
  return withMigrationLock(dataSource, async (executor) => {
    const applied = await executor.executePendingMigrations();
    return applied.map((migration) => migration.name);
  });
}

/** Reverts every applied migration, newest first, leaving only TypeORM's bookkeeping table. */
export async function revertEveryMigration(dataSource: DataSource): Promise<number> {
  return withMigrationLock(dataSource, async (executor) => {
    let reverted = 0;
    while ((await executor.getExecutedMigrations()).length > 0) {
      await executor.undoLastMigration();
      reverted++;
    }
    return reverted;
  });
}

/**
 * Opens a DataSource of one connection on `config` for `work` (the executor and the lock
 * need only the one), and closes it afterwards.
 */
export async function withMigrationDataSource<T>(
  config: PersistenceConfig,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  const dataSource = await openDataSource({ ...config, poolSize: 1 });
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
}
