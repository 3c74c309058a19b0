import {
  DependencyFailedError,
  DependencyUnavailableError,
  isLinebackerError,
  PermanentError,
  type ErrorKind,
  type LinebackerError,
} from '@linebacker/domain';
import { DatabasePermissionDeniedError, INSUFFICIENT_PRIVILEGE } from './privilege-errors';

/** The dependency name on every error this library maps (for logs and circuit breakers). */
export const DATABASE_DEPENDENCY = 'postgresql';

/** PostgreSQL refused the data itself (integrity or data exception); retrying cannot help. */
export class DatabaseRejectedError extends PermanentError {
  constructor(message: string, sqlState: string, constraint: string | undefined, cause: unknown) {
    super('DatabaseRejected', `${DATABASE_DEPENDENCY}: ${message}`, {
      cause,
      details: constraint === undefined ? { sqlState } : { sqlState, constraint },
    });
    this.name = 'DatabaseRejectedError';
  }
}

/** Socket-level failures: the server is down or unreachable, not merely slow. */
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * SQLSTATEs meaning "this server cannot serve us now". Bad credentials (class 28), a
 * missing database (3D000) and a missing privilege (42501) are configuration faults, but a
 * message must not be dead-lettered for them: they are treated as an outage until an
 * operator fixes the deployment.
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '57P04',
  '53300',
  '3D000',
  INSUFFICIENT_PRIVILEGE,
]);
const UNAVAILABLE_SQLSTATE_CLASSES = new Set(['08', '28']);

/** SQLSTATEs where the same statement may well succeed when tried again. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014', '25P03']);
const TRANSIENT_SQLSTATE_CLASSES = new Set(['40']);

/** Classes where the data or the state is wrong, so a retry fails the same way. */
const PERMANENT_SQLSTATE_CLASSES = new Set(['22', '23']);

/**
 * node-postgres and TypeORM report a lost or unobtainable connection only in the message.
 * A pool already closed (shutdown under way) counts too: the work must go back, not die.
 */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /driver not connected/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /cannot use a pool after calling end/i,
  /connection is not yet established/i,
];

/** The client-side `query_timeout` fired; the server may still be healthy. */
const TRANSIENT_MESSAGES = [/query read timeout/i];

interface ErrorFacts {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error and what it wraps: TypeORM's `driverError`, `cause`, AggregateError's list. */
function errorChain(error: unknown, depth = 0): ErrorFacts[] {
  if (typeof error !== 'object' || error === null || depth > 4) return [];
  const facts = error as ErrorFacts;
  const nested = [
    facts.driverError,
    facts.cause,
    ...(Array.isArray(facts.errors) ? facts.errors : []),
  ];
  return [facts, ...nested.flatMap((inner) => errorChain(inner, depth + 1))];
}

const isSqlState = (code: unknown): code is string =>
  typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !UNAVAILABLE_NODE_CODES.has(code);

function kindOfSqlState(sqlState: string): ErrorKind | undefined {
  const sqlClass = sqlState.slice(0, 2);
  if (UNAVAILABLE_SQLSTATES.has(sqlState) || UNAVAILABLE_SQLSTATE_CLASSES.has(sqlClass)) {
    return 'unavailable';
  }
  if (TRANSIENT_SQLSTATES.has(sqlState) || TRANSIENT_SQLSTATE_CLASSES.has(sqlClass)) {
    return 'transient';
  }
  return PERMANENT_SQLSTATE_CLASSES.has(sqlClass) ? 'permanent' : undefined;
}

function kindOfMessage(message: string): ErrorKind | undefined {
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return 'unavailable';
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(message)) ? 'transient' : undefined;
}

/** What a database failure means for its caller; `sqlState` when the server said it. */
export interface DatabaseErrorClass {
  kind: ErrorKind;
  sqlState?: string;
  constraint?: string;
}

/**
 * Classifies any error thrown by pg, pg-pool or TypeORM. The first recognisable fact in
 * the chain wins; anything unrecognised is transient (bounded retries, then dead-letter).
 */
export function classifyDatabaseError(error: unknown): DatabaseErrorClass {
  for (const facts of errorChain(error)) {
    if (typeof facts.code === 'string' && UNAVAILABLE_NODE_CODES.has(facts.code)) {
      return { kind: 'unavailable' };
    }
    if (isSqlState(facts.code)) {
      const kind = kindOfSqlState(facts.code);
      const constraint = typeof facts.constraint === 'string' ? facts.constraint : undefined;
      if (kind) return { kind, sqlState: facts.code, constraint };
    }
    const kind = typeof facts.message === 'string' ? kindOfMessage(facts.message) : undefined;
    if (kind) return { kind };
  }
  return { kind: 'transient' };
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message || error.name : String(error);

/**
 * The one place where database failures become linebacker errors. Errors that already are
 * linebacker errors pass through unchanged; the original is always kept as `cause`.
 */
export function toPersistenceError(error: unknown): LinebackerError {
  if (isLinebackerError(error)) return error;
  const { kind, sqlState, constraint } = classifyDatabaseError(error);
  const message = messageOf(error);
  if (sqlState === INSUFFICIENT_PRIVILEGE) return new DatabasePermissionDeniedError(message, error);
  if (kind === 'unavailable') {
    return new DependencyUnavailableError(DATABASE_DEPENDENCY, message, error);
  }
  if (kind === 'permanent') {
    return new DatabaseRejectedError(message, sqlState ?? 'unknown', constraint, error);
  }
  return new DependencyFailedError(DATABASE_DEPENDENCY, message, error);
}

/** The SQLSTATE anywhere in an error's chain, for callers that expect a specific one. */
export function sqlStateOf(error: unknown): string | undefined {
  return errorChain(error).find((facts) => isSqlState(facts.code))?.code as string | undefined;
}

/** The violated constraint's name anywhere in an error's chain. */
export function constraintOf(error: unknown): string | undefined {
  const found = errorChain(error).find((facts) => typeof facts.constraint === 'string');
  return found?.constraint as string | undefined;
}
