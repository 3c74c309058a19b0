/*
 * With `--rounds n` the end-to-end runs are made n times, the instance counts alternating
 * within each round, and every target that compares runs is judged on the median of its
 * per-round figures: one round's pair of runs is minutes apart, the rounds are not.
 */

/** The median of `values` (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A figure to hundredths, as every figure of the summary is written. */
export const hundredths = (value: number): number => Math.round(value * 100) / 100;

/** A rate, a latency or a duration to tenths, as the summary writes them. */
export const tenths = (value: number): number => Math.round(value * 10) / 10;

/** The runs of each round, in round order; a run without a round is round 1. */
export function byRound<R extends { round?: number }>(runs: readonly R[]): R[][] {
  const rounds = new Map<number, R[]>();
  for (const run of runs) {
    const round = run.round ?? 1;
    const list = rounds.get(round);
    if (list) list.push(run);
    else rounds.set(round, [run]);
  }
  return [...rounds.entries()].sort(([a], [b]) => a - b).map(([, list]) => list);
}

/**
 * A target's figure over the rounds: the median (to hundredths) and how it reads, the one
 * value alone with its `unit`, or the median with its unit followed by every round's value
 * in round order.
 */
export function overRounds(values: readonly number[], unit = ''): { value: number; text: string } {
  const value = hundredths(median(values));
  if (values.length <= 1) return { value, text: `${value}${unit}` };
  return { value, text: `${value}${unit} (median of ${values.map(hundredths).join(', ')})` };
}
