import {
  BackupJobNotFoundError,
  ConcurrentUpdateError,
  DependencyFailedError,
  DependencyUnavailableError,
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  RequestNotFoundError,
  ValidationError,
} from './domain-errors';
import {
  describeError,
  errorCodeOf,
  errorKindOf,
  isLinebackerError,
  LinebackerError,
  PermanentError,
  TransientError,
  UnavailableError,
} from './linebacker-error';

describe('the domain errors', () => {
  it.each([
    [new ValidationError('bad', 'dataDate'), 'InvalidInput', 'permanent'],
    [new IllegalTransitionError('Received', 'sent'), 'IllegalTransition', 'permanent'],
    [new RequestNotFoundError('r-1'), 'RequestNotFound', 'permanent'],
    [new BackupJobNotFoundError('job-1'), 'BackupJobNotFound', 'permanent'],
    [new IdempotencyKeyReusedError('k'), 'IdempotencyKeyReused', 'permanent'],
    [new IdempotencyKeyInFlightError('k'), 'IdempotencyKeyInFlight', 'transient'],
    [new ConcurrentUpdateError('r-1'), 'ConcurrentUpdate', 'transient'],
    [new DependencyFailedError('jobs', 'HTTP 503'), 'DependencyFailed', 'transient'],
    [new DependencyUnavailableError('jobs', 'refused'), 'DependencyUnavailable', 'unavailable'],
  ])('%s has code %s and kind %s', (error, code, kind) => {
    expect(error).toBeInstanceOf(LinebackerError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code, kind });
    expect(error.name).toBe(error.constructor.name);
    expect(errorKindOf(error)).toBe(kind);
    expect(errorCodeOf(error)).toBe(code);
  });

  it('keeps the cause and the details', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new DependencyUnavailableError('backup-job-service', 'refused', cause);
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ dependency: 'backup-job-service' });
    expect(error.message).toBe('backup-job-service: refused');
  });

  it('has no cause property at all when none is given', () => {
    expect('cause' in new PermanentError('X', 'x')).toBe(false);
  });

  it('maps the base classes to their kinds', () => {
    expect(new PermanentError('A', 'a').kind).toBe('permanent');
    expect(new TransientError('B', 'b').kind).toBe('transient');
    expect(new UnavailableError('C', 'c').kind).toBe('unavailable');
  });
});

describe('isLinebackerError', () => {
  it('recognises a plain object with a code and a known kind (an error from another bundle)', () => {
    const foreign = { code: 'DependencyUnavailable', kind: 'unavailable', message: 'down' };
    expect(isLinebackerError(foreign)).toBe(true);
    expect(errorKindOf(foreign)).toBe('unavailable');
    expect(errorCodeOf(foreign)).toBe('DependencyUnavailable');
  });

  it.each([
    [{ code: 'X', kind: 'fatal' }, 'an unknown kind'],
    [{ code: 42, kind: 'permanent' }, 'a numeric code'],
    [{ kind: 'permanent' }, 'no code'],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'a Node system error'],
    [null, 'null'],
    [undefined, 'undefined'],
    ['permanent', 'a string'],
  ] as [unknown, string][])('rejects %p (%s)', (value) => {
    expect(isLinebackerError(value)).toBe(false);
  });
});

describe('errorKindOf and errorCodeOf', () => {
  it('treat a foreign error as a transient Unexpected one, so it is retried a bounded time', () => {
    expect(errorKindOf(new TypeError('x is undefined'))).toBe('transient');
    expect(errorCodeOf(new TypeError('x is undefined'))).toBe('Unexpected');
    expect(errorKindOf('a thrown string')).toBe('transient');
  });
});

describe('describeError', () => {
  it('gives the message of an error, its name when it has none, and the text of anything else', () => {
    expect(describeError(new RequestNotFoundError('r-1'))).toBe(
      'backup request r-1 does not exist',
    );
    expect(describeError(new RangeError())).toBe('RangeError');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(42)).toBe('42');
  });
});
