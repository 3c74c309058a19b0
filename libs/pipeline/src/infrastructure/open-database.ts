import {
  openDataSource,
  toPersistenceError,
  type DataSource,
  type persistenceConfig,
} from '@linebacker/persistence';
import { errorCodeOf, errorKindOf } from '@linebacker/domain';
import { retryWithBackoff, type Logger } from '@linebacker/runtime';

type PersistenceSettings = ReturnType<typeof persistenceConfig>;

/** What start-up does with the database besides opening it. */
export interface DatabaseStartup {
  /**
   * Runs on the open data source within the same attempt (migrations, checks): if the
   * server goes away meanwhile, the attempt fails, the data source is closed and the next
   * attempt opens a new one; a refusal (a failing migration, missing privileges) is final.
   */
  prepare?(dataSource: DataSource): Promise<void>;
  /** Opens the data source (default: openDataSource; tests give a fake). */
  open?(settings: PersistenceSettings): Promise<DataSource>;
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
): Promise<DataSource> {
  const open = startup.open ?? openDataSource;
  // Preparing is retried only when the server went away: a statement that failed on a
  // working connection (a broken migration) would fail the same way again.
  const final = new WeakSet<object>();
  const attempt = async (): Promise<DataSource> => {
    const dataSource = await open(settings);
    try {
      await startup.prepare?.(dataSource);
    } catch (error) {
      await dataSource.destroy().catch(() => undefined);
      const mapped = toPersistenceError(error);
      if (errorKindOf(mapped) !== 'unavailable') final.add(mapped);
      throw mapped;
    }
    return dataSource;
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
