/** A switch a test flips to make a fake throw a given error on every call until cleared. */
export class FailureSwitch {
  private failure: { error: unknown } | null = null;

  /** Every later call throws `error`. */
  failWith(error: unknown): void {
    this.failure = { error };
  }

  /** Calls succeed again. */
  recover(): void {
    this.failure = null;
  }

  protected throwIfFailing(): void {
    if (this.failure) throw this.failure.error;
  }
}
