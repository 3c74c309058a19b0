import { ValidationError } from '../errors/domain-errors';
import {
  clipText,
  newBackupRequest,
  REQUEST_LIMITS,
  timestampPatchFor,
  validateNewRequest,
  type NewBackupRequestInput,
} from './backup-request';

const valid: NewBackupRequestInput = {
  backupJobId: 'job-1',
  dataDate: '2024-03-15',
  preparedDataPathName: '/prepared/job-1',
  requesterId: 'client-a',
  transportTypeCode: 'HTTP',
};

const rejectionOf = (input: NewBackupRequestInput): ValidationError | undefined => {
  try {
    validateNewRequest(input);
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
};

describe('validateNewRequest', () => {
  it('accepts a request with every field inside its limits', () => {
    expect(() => validateNewRequest(valid)).not.toThrow();
  });

  it.each([
    ['backupJobId', 1],
    ['backupJobId', 50],
    ['preparedDataPathName', 1],
    ['preparedDataPathName', 250],
  ] as const)('accepts %s of %i characters', (field, length) => {
    expect(rejectionOf({ ...valid, [field]: 'x'.repeat(length) })).toBeUndefined();
  });

  it.each([
    ['backupJobId', 0, 'backupJobId'],
    ['backupJobId', 51, 'backupJobId'],
    ['preparedDataPathName', 0, 'backupDataLocation'],
    ['preparedDataPathName', 251, 'backupDataLocation'],
    ['requesterId', 0, 'requesterId'],
    ['requesterId', REQUEST_LIMITS.requesterIdMax + 1, 'requesterId'],
  ] as const)('rejects %s of %i characters, naming the field %s', (field, length, named) => {
    const error = rejectionOf({ ...valid, [field]: 'x'.repeat(length) });
    expect(error).toMatchObject({ code: 'InvalidInput', kind: 'permanent', field: named });
  });

  it('names the preparedDataPathName by its HTTP field, backupDataLocation', () => {
    const error = rejectionOf({ ...valid, preparedDataPathName: '' });
    expect(error?.details).toEqual({ field: 'backupDataLocation' });
  });

  it.each(['2023-02-29', '2024-13-01', '15.03.2024', '2024-03-15T00:00:00Z', ''])(
    'rejects the dataDate %p',
    (dataDate) => {
      expect(rejectionOf({ ...valid, dataDate })).toMatchObject({ field: 'dataDate' });
    },
  );

  it('accepts a leap day as dataDate', () => {
    expect(rejectionOf({ ...valid, dataDate: '2024-02-29' })).toBeUndefined();
  });

  it('rejects values of the wrong type that slipped past the HTTP schema', () => {
    const wrong = (patch: Record<string, unknown>) =>
      rejectionOf({ ...valid, ...patch } as unknown as NewBackupRequestInput);
    expect(wrong({ backupJobId: 42 })).toMatchObject({ field: 'backupJobId' });
    expect(wrong({ dataDate: 20240315 })).toMatchObject({ field: 'dataDate' });
    expect(wrong({ preparedDataPathName: null })).toMatchObject({ field: 'backupDataLocation' });
    expect(wrong({ transportTypeCode: 'Carrier-Pigeon' })).toMatchObject({
      field: 'transportTypeCode',
    });
  });
});

describe('newBackupRequest', () => {
  const now = new Date('2024-03-16T08:00:00Z');

  it('creates a Received request with only the intake fields set', () => {
    expect(newBackupRequest('r-1', { ...valid, correlationId: 'c-9' }, now)).toEqual({
      backupRequestId: 'r-1',
      backupJobId: 'job-1',
      dataDate: '2024-03-15',
      preparedDataPathName: '/prepared/job-1',
      transportTypeCode: 'HTTP',
      statusTypeCode: 'Received',
      backupProviderCode: null,
      storagePathName: null,
      daysToKeepCount: null,
      holdFlag: null,
      requesterId: 'client-a',
      correlationId: 'c-9',
      receivedTimestamp: now,
      checkedTimestamp: null,
      sentToInterfaceTimestamp: null,
      replyTimestamp: null,
      replyMessageText: null,
      callbackUrl: null,
      statusTimestamp: now,
    });
  });

  it('keeps the callback URL decided at intake', () => {
    const url = 'https://hooks.example.com/x';
    expect(newBackupRequest('r-1', { ...valid, callbackUrl: url }, now).callbackUrl).toBe(url);
  });

  it('uses the request id as correlation id when none is given', () => {
    expect(newBackupRequest('r-1', valid, now).correlationId).toBe('r-1');
  });

  it('validates before creating', () => {
    expect(() => newBackupRequest('r-1', { ...valid, backupJobId: '' }, now)).toThrow(
      ValidationError,
    );
  });
});

describe('timestampPatchFor', () => {
  const at = new Date('2024-03-16T09:00:00Z');

  it.each([
    ['Allowed', { checkedTimestamp: at }],
    ['NotAllowed', { checkedTimestamp: at }],
    ['Sent', { sentToInterfaceTimestamp: at }],
    ['Succeeded', { replyTimestamp: at }],
    ['Failed', { replyTimestamp: at }],
    ['Received', {}],
  ] as const)('sets on entering %s: %p', (status, patch) => {
    expect(timestampPatchFor(status, at)).toEqual(patch);
  });
});

describe('clipText', () => {
  it('keeps text within the limit as it is', () => {
    expect(clipText('x'.repeat(250), 250)).toBe('x'.repeat(250));
  });

  it('cuts longer text to the limit', () => {
    expect(clipText('x'.repeat(251), 250)).toBe('x'.repeat(250));
  });

  it('maps absent text to null and keeps empty text', () => {
    expect(clipText(undefined, 250)).toBeNull();
    expect(clipText('', 250)).toBe('');
  });
});
