import type { OpenLoopResult } from './http-load';

/** The p99 bound of issue 18's intake target. */
export const INTAKE_P99_BOUND_MS = 100;

/** A step kept up with its offered rate: no errors, 95 % of the rate, p99 under a second. */
export const isSustained = (r: OpenLoopResult): boolean =>
  r.errors === 0 && r.achievedRate >= 0.95 * r.offeredRate && r.latencyMs.p99 < 1000;

/** What the summary reads of one intake step. */
export interface JudgedStep {
  offeredRate: number;
  sustained: boolean;
  latencyMs: { p99: number };
}

/**
 * The intake rate a run can claim: the highest offered rate up to which every step, that one
 * and each lower one, was sustained with p99 under {@link INTAKE_P99_BOUND_MS}. The first step
 * that misses ends the count, even if a higher step passes again: a capacity figure holds for
 * every load below it, not only for the load it names. 0 when the lowest step misses.
 */
export function intakeCapacity(steps: readonly JudgedStep[]): number {
  let capacity = 0;
  for (const step of [...steps].sort((a, b) => a.offeredRate - b.offeredRate)) {
    if (!step.sustained || step.latencyMs.p99 >= INTAKE_P99_BOUND_MS) break;
    capacity = step.offeredRate;
  }
  return capacity;
}
