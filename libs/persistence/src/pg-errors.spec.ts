import {
  DependencyFailedError,
  DependencyUnavailableError,
  IdempotencyKeyInFlightError,
  ValidationError,
  type ErrorKind,
} from '@linebacker/domain';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { classifyDatabaseError, DatabaseRejectedError, toPersistenceError } from './pg-errors';
import { DatabasePermissionDeniedError } from './privilege-errors';

/** An error as the PostgreSQL server reports it, wrapped the way TypeORM rethrows it. */
function serverError(code: string, constraint?: string): QueryFailedError {
  const error = new DatabaseError(`server said ${code}`, 0, 'error');
  error.code = code;
  error.constraint = constraint;
  return new QueryFailedError('SELECT 1', [], error);
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });
}

const table: Array<[string, unknown, ErrorKind]> = [
  ['ECONNREFUSED', socketError('ECONNREFUSED'), 'unavailable'],
  ['ECONNRESET', socketError('ECONNRESET'), 'unavailable'],
  ['ENOTFOUND', socketError('ENOTFOUND'), 'unavailable'],
  ['EPIPE', socketError('EPIPE'), 'unavailable'],
  ['ETIMEDOUT on connect', socketError('ETIMEDOUT'), 'unavailable'],
  [
    'AggregateError of refused addresses',
    new AggregateError([socketError('ECONNREFUSED')], 'all addresses failed'),
    'unavailable',
  ],
  ['a lost connection', new Error('Connection terminated unexpectedly'), 'unavailable'],
  [
    'a connect timeout',
    new Error('Connection terminated due to connection timeout'),
    'unavailable',
  ],
  ['a pool checkout timeout', new Error('timeout exceeded when trying to connect'), 'unavailable'],
  [
    'a broken client',
    new Error('Client has encountered a connection error and is not queryable'),
    'unavailable',
  ],
  ['a DataSource already destroyed', new Error('Driver not Connected'), 'unavailable'],
  ['08006 connection_failure', serverError('08006'), 'unavailable'],
  ['08001 unable to connect', serverError('08001'), 'unavailable'],
  ['57P01 admin_shutdown', serverError('57P01'), 'unavailable'],
  ['57P02 crash_shutdown', serverError('57P02'), 'unavailable'],
  ['57P03 cannot_connect_now', serverError('57P03'), 'unavailable'],
  ['53300 too_many_connections', serverError('53300'), 'unavailable'],
  ['28P01 invalid_password', serverError('28P01'), 'unavailable'],
  ['3D000 no such database', serverError('3D000'), 'unavailable'],
  ['42501 insufficient_privilege', serverError('42501'), 'unavailable'],
  ['40001 serialization_failure', serverError('40001'), 'transient'],
  ['40P01 deadlock_detected', serverError('40P01'), 'transient'],
  ['55P03 lock_not_available', serverError('55P03'), 'transient'],
  ['57014 query_canceled (statement timeout)', serverError('57014'), 'transient'],
  ['25P03 idle in transaction timeout', serverError('25P03'), 'transient'],
  ['a client-side query timeout', new Error('Query read timeout'), 'transient'],
  ['23505 unique_violation', serverError('23505', 'pk_backup'), 'permanent'],
  ['23514 check_violation', serverError('23514'), 'permanent'],
  ['23503 foreign_key_violation', serverError('23503'), 'permanent'],
  ['22001 string too long', serverError('22001'), 'permanent'],
  ['22P02 invalid text representation', serverError('22P02'), 'permanent'],
  ['an unknown SQLSTATE', serverError('XX000'), 'transient'],
  ['a surprise', new Error('something odd'), 'transient'],
  ['a thrown string', 'not even an Error', 'transient'],
];

describe('database error mapping', () => {
  it.each(table)('classifies %s', (_name, error, kind) => {
    expect(classifyDatabaseError(error).kind).toBe(kind);
    const mapped = toPersistenceError(error);
    expect(mapped.kind).toBe(kind);
    expect(mapped.cause).toBe(error);
  });

  it('uses the shared dependency errors for unavailable and transient failures', () => {
    expect(toPersistenceError(socketError('ECONNREFUSED'))).toBeInstanceOf(
      DependencyUnavailableError,
    );
    expect(toPersistenceError(serverError('40P01'))).toBeInstanceOf(DependencyFailedError);
    expect(toPersistenceError(serverError('40P01')).message).toMatch(/^postgresql: /);
  });

  it('names the SQLSTATE and constraint of a permanent rejection', () => {
    const mapped = toPersistenceError(serverError('23505', 'uq_backup_backup_request_id'));
    expect(mapped).toBeInstanceOf(DatabaseRejectedError);
    expect(mapped.code).toBe('DatabaseRejected');
    expect(mapped.details).toEqual({
      sqlState: '23505',
      constraint: 'uq_backup_backup_request_id',
    });
  });

  it('names the missing privilege and where the grants are documented', () => {
    const mapped = toPersistenceError(serverError('42501'));
    expect(mapped).toBeInstanceOf(DatabasePermissionDeniedError);
    expect(mapped.code).toBe('DatabasePermissionDenied');
    expect(mapped.message).toMatch(
      /^postgresql: server said 42501 \(SQLSTATE 42501\): the role in LINEBACKER_DATABASE_URL .*docs\/security\.md#postgresql-roles/,
    );
  });

  it('passes linebacker errors through unchanged', () => {
    const own = [new ValidationError('bad', 'field'), new IdempotencyKeyInFlightError('k')];
    for (const error of own) expect(toPersistenceError(error)).toBe(error);
  });

  it('finds the SQLSTATE behind a cause chain', () => {
    const wrapped = new Error('outer', { cause: serverError('57P01') });
    expect(classifyDatabaseError(wrapped)).toEqual({
      kind: 'unavailable',
      sqlState: '57P01',
      constraint: undefined,
    });
  });
});
