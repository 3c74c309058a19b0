import type { BatchFailure } from '@linebacker/persistence';
import type { Logger, ServiceMetrics } from '@linebacker/runtime';

/**
 * A log line and a count per database batch that failed as a whole. A warning, not an
 * error: no caller lost its outcome (the changes of the batch ran again one by one, the
 * reads and send claims each got the error), but a rising count points at the database or a bad change.
 */
export function batchFailureObserver(
  logger: Logger,
  metrics: ServiceMetrics,
): (failure: BatchFailure) => void {
  return ({ kind, size, error }) => {
    metrics.dbBatchFailures.inc({ kind });
    logger.warn('database batch failed', { kind, size, error: String(error) });
  };
}
