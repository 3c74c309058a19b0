import {
  openDatabase,
  toPersistenceError,
  type Database,
  type persistenceConfig,
} from '@linebacker/persistence';
import { errorCodeOf, errorKindOf } from '@linebacker/domain';
import { retryWithBackoff, type Logger } from '@linebacker/runtime';

type PersistenceSettings = ReturnType<typeof persistenceConfig>;

/** What start-up does with the database besides opening it. */
export interface DatabaseStartup {
  /**
   * Runs on the open pool within the same attempt (migrations, checks): if the server goes
   * away meanwhile, the attempt fails, the pool is closed and the next attempt opens a new
   * one; a refusal (a failing migration, missing privileges) is final.
   */
  prepare?(database: Database): Promise<void>;
  /** Opens the pool (default: openDatabase; tests give a fake). */
  open?(settings: PersistenceSettings): Promise<Database>;
  /** Waits between attempts (default: a timer). */
  sleep?(ms: number): Promise<void>;
}

/**
 * Opens the database, and prepares it, with the bounded start-up retries every process uses
 * (the server may still be starting, or restart while start-up runs): `attempts` tries,
 * backing off from 250 ms to 5 s, each miss logged. A permanent error (a server that shares
 * sessions between connections) is not retried, nor is a missing privilege (only an
 * operator can grant it, and the exit names it), nor a failure of `prepare` on a server
 * that was still there.
 */
export function openDatabaseWithRetries(
  settings: PersistenceSettings,
  attempts: number,
  logger: Logger,
  startup: DatabaseStartup = {},
): Promise<Database> {
  const open = startup.open ?? openDatabase;
  // Preparing is retried only when the server went away: a statement that failed on a
  // working connection (a broken migration) would fail the same way again.
  const final = new WeakSet<object>();
  const attempt = async (): Promise<Database> => {
    const database = await open(settings);
    try {
      await startup.prepare?.(database);
    } catch (error) {
      await database.close().catch(() => undefined);
      const mapped = toPersistenceError(error);
      if (errorKindOf(mapped) !== 'unavailable') final.add(mapped);
      throw mapped;
    }
    return database;
  };
  return retryWithBackoff(attempt, {
    attempts,
    initialDelayMs: 250,
    maxDelayMs: 5000,
    retryable: (error) =>
      !final.has(error as object) &&
      errorKindOf(error) !== 'permanent' &&
      errorCodeOf(error) !== 'DatabasePermissionDenied',
    onRetry: (error, attempt, delayMs) =>
      logger.warn('database not reachable yet', { attempt, delayMs, error: String(error) }),
    ...(startup.sleep ? { sleep: startup.sleep } : {}),
  });
}
