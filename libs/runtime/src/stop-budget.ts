/**
 * Waits for `work` at most `ms`; true when it settled in time (either way), false when the
 * time ran out first. The work goes on in the background: a graceful stop uses this for
 * steps that wait on a peer (a broker node paused mid-close never answers), so one hung step
 * cannot keep the process past its stop deadline.
 */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    void work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/**
 * One deadline shared by the steps of a stop: each step gets what the earlier ones left,
 * so steps run in sequence still end by the deadline the whole stop was given.
 */
export class StopBudget {
  private readonly end: number;

  constructor(
    deadlineMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.end = now() + deadlineMs;
  }

  /** Milliseconds left, never negative. */
  left(): number {
    return Math.max(0, this.end - this.now());
  }
}
