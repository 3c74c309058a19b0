/** How one callback attempt ended (ADR 0214). */
export const CALLBACK_ATTEMPT_OUTCOMES = [
  'delivered',
  'failed',
  'rejected',
  'refused',
  'circuit-open',
] as const;

/** `delivered` (2xx); `failed` (retried); `rejected` (4xx/3xx); `refused` (policy); `circuit-open`. */
export type CallbackAttemptOutcome = (typeof CALLBACK_ATTEMPT_OUTCOMES)[number];

/** One POST of a request's end state to its callback URL, as the request's view shows it. */
export interface CallbackAttemptRecord {
  backupRequestId: string;
  eventId: string;
  attemptedAt: Date;
  outcome: CallbackAttemptOutcome;
  /** The receiver's HTTP status, when it answered. */
  statusCode: number | null;
  durationMs: number;
  reason: string | null;
}

/** Longest reason kept with an attempt. */
export const CALLBACK_ATTEMPT_REASON_MAX = 500;

/** Where callback attempts are kept, beside the request they belong to. */
export interface CallbackAttemptLog {
  record(attempt: CallbackAttemptRecord): Promise<void>;
  /** The request's attempts, oldest first. */
  forRequest(backupRequestId: string): Promise<CallbackAttemptRecord[]>;
}
