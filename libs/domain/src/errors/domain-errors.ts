import { PermanentError, TransientError, UnavailableError } from './linebacker-error';
import type { RequestStatus } from '../backup-request/request-status';

/** Input that breaks a domain rule (length, calendar date, enum value). */
export class ValidationError extends PermanentError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super('InvalidInput', message, { details: field ? { field } : {} });
    this.name = 'ValidationError';
  }
}

/** A step that the state machine forbids from the request's current status. */
export class IllegalTransitionError extends PermanentError {
  constructor(
    readonly from: RequestStatus,
    readonly event: string,
  ) {
    super('IllegalTransition', `cannot apply '${event}' to a request in status ${from}`, {
      details: { from, event },
    });
    this.name = 'IllegalTransitionError';
  }
}

/** A message or call names a backup request that does not exist. */
export class RequestNotFoundError extends PermanentError {
  constructor(readonly backupRequestId: string) {
    super('RequestNotFound', `backup request ${backupRequestId} does not exist`, {
      details: { backupRequestId },
    });
    this.name = 'RequestNotFoundError';
  }
}

/** A Succeeded reply arrived but the backup job it needs for retention is gone. */
export class BackupJobNotFoundError extends PermanentError {
  constructor(readonly backupJobId: string) {
    super('BackupJobNotFound', `backup job ${backupJobId} does not exist`, {
      details: { backupJobId },
    });
    this.name = 'BackupJobNotFoundError';
  }
}

/** The same Idempotency-Key was used before with a different request body. */
export class IdempotencyKeyReusedError extends PermanentError {
  constructor(readonly idempotencyKey: string) {
    super('IdempotencyKeyReused', 'the Idempotency-Key was already used with a different body', {
      details: { idempotencyKey },
    });
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** Another call with the same Idempotency-Key has not committed yet. */
export class IdempotencyKeyInFlightError extends TransientError {
  constructor(readonly idempotencyKey: string) {
    super('IdempotencyKeyInFlight', 'a request with this Idempotency-Key is still in flight', {
      details: { idempotencyKey },
    });
    this.name = 'IdempotencyKeyInFlightError';
  }
}

/** A compare-and-set lost against a concurrent writer; re-read and decide again. */
export class ConcurrentUpdateError extends TransientError {
  constructor(readonly backupRequestId: string) {
    super('ConcurrentUpdate', `backup request ${backupRequestId} changed concurrently`, {
      details: { backupRequestId },
    });
    this.name = 'ConcurrentUpdateError';
  }
}

/** A dependency answered too slowly or with a server error. */
export class DependencyFailedError extends TransientError {
  constructor(dependency: string, message: string, cause?: unknown) {
    super('DependencyFailed', `${dependency}: ${message}`, { cause, details: { dependency } });
    this.name = 'DependencyFailedError';
  }
}

/** A dependency cannot be reached at all (refused, circuit open, disconnected). */
export class DependencyUnavailableError extends UnavailableError {
  constructor(dependency: string, message: string, cause?: unknown) {
    super('DependencyUnavailable', `${dependency}: ${message}`, { cause, details: { dependency } });
    this.name = 'DependencyUnavailableError';
  }
}
