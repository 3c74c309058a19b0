import { openDataSource, type DataSource, type persistenceConfig } from '@linebacker/persistence';
import { errorKindOf } from '@linebacker/domain';
import { retryWithBackoff, type Logger } from '@linebacker/runtime';

/**
 * Opens the database with the bounded start-up retries every process uses (the server may
 * still be starting): `attempts` tries, backing off from 250 ms to 5 s, each miss logged. A
 * permanent error (a server that shares sessions between connections) is not retried.
 */
export function openDatabaseWithRetries(
  settings: ReturnType<typeof persistenceConfig>,
  attempts: number,
  logger: Logger,
): Promise<DataSource> {
  return retryWithBackoff(() => openDataSource(settings), {
    attempts,
    initialDelayMs: 250,
    maxDelayMs: 5000,
    retryable: (error) => errorKindOf(error) !== 'permanent',
    onRetry: (error, attempt, delayMs) =>
      logger.warn('database not reachable yet', { attempt, delayMs, error: String(error) }),
  });
}
