import { retryWithBackoff } from '@linebacker/runtime';
import {
  errorKindOf,
  isLinebackerError,
  LinebackerError,
  PermanentError,
  TransientError,
  UnavailableError,
} from '@linebacker/domain';

/** Socket-level error codes that mean the storage endpoint cannot be reached at all. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * HTTP statuses of the Storage service that a caller cannot fix by retrying: bad request,
 * authentication or authorisation failure (a wrong key, an expired SAS, a missing role),
 * missing queue, message too large. 408, 429 and 5xx (500 and 503 are how the service says
 * "throttled" or "busy") are transient.
 */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404, 405, 409, 411, 413, 414, 416]);

/**
 * Classifies a failure of the Azure Storage Queue SDK where it is born: connection refused
 * or reset means the account is unavailable (the stage pauses, as for a broker outage); a
 * timeout, throttling or a 5xx is transient; an auth or request error is permanent.
 */
export function classifyAzureError(error: unknown, operation: string): LinebackerError {
  if (isLinebackerError(error)) return error;
  const status = statusOf(error);
  const code = socketCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const what = `Azure queue ${operation}`;
  if (code && UNREACHABLE_CODES.has(code))
    return new UnavailableError('AzureQueueUnreachable', `${what}: ${code} (${message})`, {
      cause: error,
    });
  if (isTimeout(error))
    return new TransientError('AzureQueueTimeout', `${what} timed out: ${message}`, {
      cause: error,
    });
  if (status !== undefined && PERMANENT_STATUSES.has(status))
    return new PermanentError(`AzureQueueRefused${status}`, `${what}: HTTP ${status} ${message}`, {
      cause: error,
      details: { status },
    });
  if (status !== undefined)
    return new TransientError(`AzureQueueFailed${status}`, `${what}: HTTP ${status} ${message}`, {
      cause: error,
      details: { status },
    });
  // No status and no known socket code: the request never got an answer.
  return new UnavailableError('AzureQueueUnreachable', `${what}: ${message}`, { cause: error });
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

/** The socket error code, on the error itself or on its cause chain (the SDK wraps them). */
function socketCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  const message = error instanceof Error ? error.message : '';
  return [...UNREACHABLE_CODES].find((c) => message.includes(c));
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** How often a queue client's start-up step is tried before the service gives up. */
export interface StartupRetry {
  /** Attempts before giving up (default 10). */
  startupMaxAttempts?: number;
  /** Pause between attempts, about this long, jittered (default 1000). */
  startupDelayMs?: number;
}

/**
 * Runs a start-up step (creating or checking a queue) until the account answers: a
 * permanent failure (credentials, a bad request) ends it at once, anything else is tried
 * again up to the attempts, and the error thrown is the classified one.
 */
export function retryStartup(
  settings: StartupRetry,
  queue: string,
  step: () => Promise<void>,
): Promise<void> {
  const delayMs = settings.startupDelayMs ?? 1000;
  return retryWithBackoff(
    () =>
      step().catch((error: unknown) => Promise.reject(classifyAzureError(error, `start ${queue}`))),
    {
      attempts: settings.startupMaxAttempts ?? 10,
      initialDelayMs: delayMs,
      maxDelayMs: delayMs,
      retryable: (error) => errorKindOf(error) !== 'permanent',
    },
  );
}
