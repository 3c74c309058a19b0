import type { RetryPolicy } from '../port/message-bus.port';

/**
 * The finite set of retry delays a policy can ask for: `initialDelayMs` doubled per step up
 * to `maxDelayMs` (inclusive). Each level is one delay queue with a per-queue TTL, so the
 * set must be small and known at declaration time; jitter is impossible here by design.
 */
export function retryDelayLevels(policy: RetryPolicy): number[] {
  const levels: number[] = [];
  const initial = Math.max(1, Math.round(policy.initialDelayMs));
  const max = Math.max(initial, Math.round(policy.maxDelayMs));
  for (let delay = initial; delay < max; delay *= 2) levels.push(delay);
  levels.push(max);
  return levels;
}

/** The delay level used after failure number `step` (1-based): level `step-1`, capped at the last. */
export function retryDelayForStep(policy: RetryPolicy, step: number): number {
  const levels = retryDelayLevels(policy);
  const index = Math.min(levels.length - 1, Math.max(0, Math.floor(step) - 1));
  return levels[index] as number;
}

/** Problems with a policy (empty when valid), so a typo fails at start-up, not on a retry. */
export function retryPolicyProblems(policy: RetryPolicy): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1)
    problems.push('retry.maxAttempts must be an integer >= 1');
  if (!(policy.initialDelayMs >= 1)) problems.push('retry.initialDelayMs must be >= 1');
  if (!(policy.maxDelayMs >= policy.initialDelayMs))
    problems.push('retry.maxDelayMs must be >= retry.initialDelayMs');
  else if (retryDelayLevels(policy).length > 20) problems.push('too many delay levels (> 20)');
  return problems;
}
