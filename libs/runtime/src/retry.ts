import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from './backoff';

/** Bounds of a retry loop. */
export interface RetryOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** Whether an error is worth another attempt (default: every error is). */
  retryable?(error: unknown): boolean;
  sleep?(ms: number): Promise<void>;
}

/** Runs `fn` until it resolves or `attempts` are used up; rethrows the last error. */
export async function retryWithBackoff<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const pause = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= options.attempts || options.retryable?.(error) === false) throw error;
      const delayMs = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt, delayMs);
      await pause(delayMs);
    }
  }
}

/**
 * Wraps `work` so that concurrent callers share one run (single flight) and a result is
 * reused for `ttlMs` after it settled: a flood of callers costs one run per period. A failed
 * run is not cached.
 */
export function cachedSingleFlight<T>(
  work: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let current: { value: Promise<T>; settledAt?: number } | undefined;
  return () => {
    if (current) {
      const { settledAt } = current;
      if (settledAt === undefined || now() - settledAt < ttlMs) return current.value;
    }
    const entry: { value: Promise<T>; settledAt?: number } = { value: work() };
    current = entry;
    entry.value.then(
      () => (entry.settledAt = now()),
      () => {
        if (current === entry) current = undefined;
      },
    );
    return entry.value;
  };
}
