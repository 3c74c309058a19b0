/** Bounds of a capped exponential backoff. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Share of the delay that is randomised, 0..1 (default 0.2, so up to ±20%). */
  jitter?: number;
}

/**
 * The delay before retry number `attempt` (1-based): `initial * factor^(attempt-1)`, capped,
 * then spread by ±jitter so many clients that lost the same broker do not return in lockstep.
 * The jittered value never exceeds `maxDelayMs`. Pure: the random draw is a parameter.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: number = Math.random(),
): number {
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // Cap the base below the maximum so that base + jitter still lands at or under it.
  const cappedBase = options.maxDelayMs / (1 + jitter);
  const base = Math.min(cappedBase, options.initialDelayMs * factor ** exponent);
  const spread = base * jitter * (2 * random - 1);
  return Math.max(0, Math.min(options.maxDelayMs, Math.round(base + spread)));
}
