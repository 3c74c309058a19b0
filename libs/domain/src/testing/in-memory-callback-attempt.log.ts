import type { CallbackAttemptLog, CallbackAttemptRecord } from '../ports/callback-attempts.port';

/** CallbackAttemptLog in memory, for unit tests. */
export class InMemoryCallbackAttemptLog implements CallbackAttemptLog {
  readonly attempts: CallbackAttemptRecord[] = [];

  /** Keeps a copy of the attempt. */
  async record(attempt: CallbackAttemptRecord): Promise<void> {
    this.attempts.push({ ...attempt });
  }

  /** The request's attempts in the order they were recorded. */
  async forRequest(backupRequestId: string): Promise<CallbackAttemptRecord[]> {
    return this.attempts.filter((attempt) => attempt.backupRequestId === backupRequestId);
  }
}
