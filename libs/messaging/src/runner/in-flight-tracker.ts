/**
 * One handler run. Its abort signal is made only when the handler asks for it: most
 * handlers never look, and an AbortController per delivery is a measurable share of the
 * runner's cost at high rates. A run aborted before anyone asked hands out an aborted signal.
 */
export class HandlerRun {
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;

  /** Aborted when the handler deadline passes or the consumer stops. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Aborts the run (once; later calls keep the first reason). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** Tracks running handlers so a stop can wait for them (bounded) and then abort the rest. */
export class InFlightTracker {
  private readonly active = new Set<HandlerRun>();
  private idleWaiters: Array<() => void> = [];

  /** Registers a new handler run; it is aborted on `abortAll`. */
  begin(): HandlerRun {
    const run = new HandlerRun();
    this.active.add(run);
    return run;
  }

  /** Marks a run finished. */
  end(run: HandlerRun): void {
    this.active.delete(run);
    if (this.active.size === 0 && this.idleWaiters.length > 0)
      this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  /** Runs in flight. */
  size(): number {
    return this.active.size;
  }

  /** Resolves true when nothing is in flight, or false once `deadlineMs` has passed. */
  async drain(deadlineMs: number): Promise<boolean> {
    if (this.active.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, deadlineMs));
    });
    const drained = await Promise.race([idle, late]);
    clearTimeout(timer);
    return drained;
  }

  /** Aborts every run still in flight. */
  abortAll(reason: string): void {
    for (const run of this.active) run.abort(new Error(reason));
  }
}
