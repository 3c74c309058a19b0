import { IdempotencyKeyReusedError, ValidationError } from '../../errors/domain-errors';
import { aNewRequest, createInMemoryPipeline, type InMemoryPipeline } from '../../testing';
import { receiveBackupRequest, requestFingerprint } from './receive-backup-request.use-case';

describe('receiveBackupRequest', () => {
  let p: InMemoryPipeline;
  beforeEach(() => {
    p = createInMemoryPipeline({ start: '2024-03-16T08:00:00Z' });
  });

  it('stores a new Received request with its received event and a creation history row', async () => {
    const outcome = await receiveBackupRequest(p.intake, aNewRequest({ correlationId: 'corr-1' }));
    expect(outcome.outcome).toBe('created');
    const { request } = outcome;
    expect(request).toMatchObject({
      backupRequestId: '00000000-0000-4000-8000-000000000001',
      statusTypeCode: 'Received',
      receivedTimestamp: p.clock.now(),
      requesterId: 'client-a',
      correlationId: 'corr-1',
    });
    expect(await p.requests.findById(request.backupRequestId)).toEqual(request);
    expect(p.requests.outbox).toEqual([
      {
        messageId: `${request.backupRequestId}:backup-request.received`,
        type: 'backup-request.received',
        correlationId: 'corr-1',
        causationId: null,
        occurredAt: p.clock.now(),
        payload: { backupRequestId: request.backupRequestId },
      },
    ]);
    expect(await p.requests.history(request.backupRequestId)).toMatchObject([
      { fromStatus: null, toStatus: 'Received' },
    ]);
  });

  it('returns the original request when the same key comes again with the same body', async () => {
    const input = aNewRequest({ idempotencyKey: 'key-1' });
    const first = await receiveBackupRequest(p.intake, input);
    p.clock.advance(1000);
    const again = await receiveBackupRequest(p.intake, input);
    expect(again).toEqual({ outcome: 'replayed', request: first.request });
    expect(p.requests.allRequests()).toHaveLength(1);
    expect(p.requests.outbox).toHaveLength(1);
  });

  it.each([
    ['backupJobId', { backupJobId: 'job-2' }],
    ['dataDate', { dataDate: '2024-03-14' }],
    ['backupDataLocation', { preparedDataPathName: '/elsewhere' }],
  ])('rejects the same key with a different %s and stores nothing', async (_field, change) => {
    await receiveBackupRequest(p.intake, aNewRequest({ idempotencyKey: 'key-1' }));
    await expect(
      receiveBackupRequest(p.intake, aNewRequest({ idempotencyKey: 'key-1', ...change })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(p.requests.allRequests()).toHaveLength(1);
    expect(p.requests.outbox).toHaveLength(1);
  });

  it("does not replay another requester's request for the same key", async () => {
    await receiveBackupRequest(p.intake, aNewRequest({ idempotencyKey: 'key-1' }));
    const other = await receiveBackupRequest(
      p.intake,
      aNewRequest({ idempotencyKey: 'key-1', requesterId: 'client-b' }),
    );
    expect(other.outcome).toBe('created');
    expect(p.requests.allRequests()).toHaveLength(2);
  });

  it('creates a new request for each call without a key, even with the same body', async () => {
    await receiveBackupRequest(p.intake, aNewRequest());
    await receiveBackupRequest(p.intake, aNewRequest());
    expect(p.requests.allRequests()).toHaveLength(2);
  });

  it.each([
    ['a backupJobId of 51 characters', { backupJobId: 'j'.repeat(51) }],
    ['an empty backupJobId', { backupJobId: '' }],
    ['the dataDate 2023-02-29', { dataDate: '2023-02-29' }],
    ['a backupDataLocation of 251 characters', { preparedDataPathName: 'p'.repeat(251) }],
  ])('rejects %s and stores nothing', async (_what, change) => {
    await expect(
      receiveBackupRequest(p.intake, aNewRequest({ idempotencyKey: 'key-1', ...change })),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(p.requests.allRequests()).toEqual([]);
    expect(p.requests.outbox).toEqual([]);
    // The key was not taken by the rejected call.
    const valid = await receiveBackupRequest(p.intake, aNewRequest({ idempotencyKey: 'key-1' }));
    expect(valid.outcome).toBe('created');
  });
});

describe('requestFingerprint', () => {
  it('is the same for the same job, date and location, whoever sends them how', () => {
    expect(requestFingerprint(aNewRequest())).toBe(
      requestFingerprint(aNewRequest({ transportTypeCode: 'Queue', correlationId: 'x' })),
    );
  });

  it.each(['|', ',', ':', ';', '/', ' ', '\u0000', ''])(
    'cannot be forged by moving text across a field boundary (separator %p)',
    (separator) => {
      const a = aNewRequest({ backupJobId: `job-1${separator}x`, dataDate: '2024-03-15' });
      const b = aNewRequest({ backupJobId: 'job-1', dataDate: `x${separator}2024-03-15` });
      expect(requestFingerprint(a)).not.toBe(requestFingerprint(b));
    },
  );
});
