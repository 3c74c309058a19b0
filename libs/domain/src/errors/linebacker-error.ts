/**
 * How a failure should be handled, decided where the error is born:
 * - `permanent`: retrying cannot help (bad data, illegal state); dead-letter at once.
 * - `transient`: may succeed on retry (timeouts, 5xx, deadlocks); delayed retry, bounded attempts.
 * - `unavailable`: a dependency is down; retry later without spending the attempt budget.
 */
export type ErrorKind = 'permanent' | 'transient' | 'unavailable';

/** Options accepted by every linebacker error. */
export interface LinebackerErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** Base of every error linebacker throws on purpose: a stable `code` plus a handling `kind`. */
export class LinebackerError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown>;

  constructor(
    code: string,
    kind: ErrorKind,
    message: string,
    options: LinebackerErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LinebackerError';
    this.code = code;
    this.kind = kind;
    this.details = options.details ?? {};
  }
}

/** A permanent error: the input or the state makes the operation impossible. */
export class PermanentError extends LinebackerError {
  constructor(code: string, message: string, options?: LinebackerErrorOptions) {
    super(code, 'permanent', message, options);
    this.name = 'PermanentError';
  }
}

/** A transient error: the same operation may succeed if tried again later. */
export class TransientError extends LinebackerError {
  constructor(code: string, message: string, options?: LinebackerErrorOptions) {
    super(code, 'transient', message, options);
    this.name = 'TransientError';
  }
}

/** A dependency (database, broker, external service) cannot be reached at all. */
export class UnavailableError extends LinebackerError {
  constructor(code: string, message: string, options?: LinebackerErrorOptions) {
    super(code, 'unavailable', message, options);
    this.name = 'UnavailableError';
  }
}

/** True for any error carrying linebacker's `code` and `kind`, even across bundle copies. */
export function isLinebackerError(error: unknown): error is LinebackerError {
  if (error instanceof LinebackerError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; kind?: unknown };
  return (
    typeof candidate.code === 'string' &&
    (candidate.kind === 'permanent' ||
      candidate.kind === 'transient' ||
      candidate.kind === 'unavailable')
  );
}

/**
 * The handling kind of any thrown value. Unknown errors are bugs or surprises; they are
 * treated as transient so they get a bounded number of retries and then a dead-letter.
 */
export function errorKindOf(error: unknown): ErrorKind {
  return isLinebackerError(error) ? error.kind : 'transient';
}

/** The stable code of any thrown value (`Unexpected` for foreign errors). */
export function errorCodeOf(error: unknown): string {
  return isLinebackerError(error) ? error.code : 'Unexpected';
}

/** A one-line description of any thrown value, safe to log and to put in a header. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
