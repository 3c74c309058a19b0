/** Tracks running handlers so a stop can wait for them (bounded) and then abort the rest. */
export class InFlightTracker {
  private readonly active = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];

  /** Registers a new handler run; its controller aborts on `abortAll`. */
  begin(): AbortController {
    const controller = new AbortController();
    this.active.add(controller);
    return controller;
  }

  /** Marks a run finished. */
  end(controller: AbortController): void {
    this.active.delete(controller);
    if (this.active.size === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
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
    for (const controller of this.active) controller.abort(new Error(reason));
  }
}
