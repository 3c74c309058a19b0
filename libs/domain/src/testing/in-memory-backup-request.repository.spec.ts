import { newBackupRequest, type BackupRequest } from '../backup-request/backup-request';
import type { RequestStatus } from '../backup-request/request-status';
import { backupFromReply, type Backup } from '../backup/backup';
import { IdempotencyKeyReusedError } from '../errors/domain-errors';
import { EVENT_TYPES } from '../messages/event-types';
import { requestEvent, type OutboxMessage } from '../messages/outbox-message';
import type { StatusChange } from '../ports/backup-request.repository';
import { aBackupJob, aNewRequest, aStoreStatusReply } from './fixtures';
import { InMemoryBackupRequestRepository } from './in-memory-backup-request.repository';

const T0 = new Date('2024-03-16T00:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const aRequest = (id: string, receivedAt = T0): BackupRequest =>
  newBackupRequest(id, aNewRequest(), receivedAt);
const receivedEvent = (request: BackupRequest): OutboxMessage =>
  requestEvent(EVENT_TYPES.received, request, null, request.receivedTimestamp);
const aBackup = (request: BackupRequest, backupId = 'b-1'): Backup =>
  backupFromReply(backupId, request, aBackupJob(), aStoreStatusReply(request.backupRequestId));

const change = (
  id: string,
  from: RequestStatus,
  to: RequestStatus,
  extra: Partial<StatusChange> = {},
): StatusChange => ({
  backupRequestId: id,
  from,
  to,
  at: at(5),
  patch: {},
  by: 'test',
  messageId: `m-${to}`,
  outbox: [
    requestEvent(EVENT_TYPES.allowed, { backupRequestId: id, correlationId: id }, null, at(5)),
  ],
  ...extra,
});

describe('InMemoryBackupRequestRepository', () => {
  let repo: InMemoryBackupRequestRepository;
  beforeEach(() => {
    repo = new InMemoryBackupRequestRepository();
  });

  const store = async (id: string, receivedAt = T0) => {
    const request = aRequest(id, receivedAt);
    await repo.create(request, [receivedEvent(request)]);
    return request;
  };

  describe('create', () => {
    it('stores the request with a creation history row and its outbox messages', async () => {
      const request = aRequest('r-1');
      const outcome = await repo.create(request, [receivedEvent(request)]);
      expect(outcome).toEqual({ outcome: 'created', request });
      expect(await repo.findById('r-1')).toEqual(request);
      expect(await repo.history('r-1')).toEqual([
        {
          backupRequestId: 'r-1',
          fromStatus: null,
          toStatus: 'Received',
          at: T0,
          by: 'intake',
          messageId: null,
        },
      ]);
      expect(repo.outbox).toEqual([receivedEvent(request)]);
    });

    it('returns copies, so changing a returned or passed-in object does not change the store', async () => {
      const request = aRequest('r-1');
      await repo.create(request, []);
      request.statusTypeCode = 'Succeeded';
      const read = await repo.findById('r-1');
      if (read) read.statusTypeCode = 'Failed';
      expect((await repo.findById('r-1'))?.statusTypeCode).toBe('Received');
    });

    it('replays the original request for the same key and fingerprint, storing nothing new', async () => {
      const key = { requesterId: 'client-a', key: 'k-1', fingerprint: 'f' };
      const first = aRequest('r-1');
      await repo.create(first, [receivedEvent(first)], key);
      const second = aRequest('r-2');
      const outcome = await repo.create(second, [receivedEvent(second)], key);
      expect(outcome).toEqual({ outcome: 'replayed', request: first });
      expect(repo.allRequests()).toHaveLength(1);
      expect(repo.outbox).toHaveLength(1);
    });

    it('rejects the same key with another fingerprint and stores nothing', async () => {
      await repo.create(aRequest('r-1'), [], {
        requesterId: 'client-a',
        key: 'k-1',
        fingerprint: 'f',
      });
      await expect(
        repo.create(aRequest('r-2'), [], { requesterId: 'client-a', key: 'k-1', fingerprint: 'g' }),
      ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect(await repo.findById('r-2')).toBeNull();
    });

    it('scopes keys to the requester', async () => {
      await repo.create(aRequest('r-1'), [], {
        requesterId: 'client-a',
        key: 'k-1',
        fingerprint: 'f',
      });
      const outcome = await repo.create(aRequest('r-2'), [], {
        requesterId: 'client-b',
        key: 'k-1',
        fingerprint: 'f',
      });
      expect(outcome.outcome).toBe('created');
    });

    it('does not confuse requester and key that only concatenate alike', async () => {
      await repo.create(aRequest('r-1'), [], { requesterId: 'a', key: 'bc', fingerprint: 'f' });
      const outcome = await repo.create(aRequest('r-2'), [], {
        requesterId: 'ab',
        key: 'c',
        fingerprint: 'f',
      });
      expect(outcome.outcome).toBe('created');
    });

    it('refuses a second request with an existing id, like a primary key', async () => {
      await store('r-1');
      await expect(repo.create(aRequest('r-1'), [])).rejects.toThrow('already exists');
    });
  });

  describe('applyChange', () => {
    it('applies the status, the patch, the history row and the outbox when the status is still `from`', async () => {
      await store('r-1');
      const outcome = await repo.applyChange(
        change('r-1', 'Received', 'Allowed', {
          patch: { checkedTimestamp: at(5), storagePathName: '/s', backupProviderCode: 'CloudA' },
        }),
      );
      expect(outcome).toBe('applied');
      expect(await repo.findById('r-1')).toMatchObject({
        statusTypeCode: 'Allowed',
        statusTimestamp: at(5),
        checkedTimestamp: at(5),
        storagePathName: '/s',
        backupProviderCode: 'CloudA',
      });
      expect((await repo.history('r-1'))[1]).toEqual({
        backupRequestId: 'r-1',
        fromStatus: 'Received',
        toStatus: 'Allowed',
        at: at(5),
        by: 'test',
        messageId: 'm-Allowed',
      });
      expect(repo.outbox).toHaveLength(2);
    });

    it('reports a conflict and writes nothing when the status is no longer `from`', async () => {
      await store('r-1');
      await repo.applyChange(change('r-1', 'Received', 'Allowed'));
      const before = await repo.findById('r-1');
      expect(await repo.applyChange(change('r-1', 'Received', 'NotAllowed'))).toBe('conflict');
      expect(await repo.findById('r-1')).toEqual(before);
      expect(await repo.history('r-1')).toHaveLength(2);
      expect(repo.outbox).toHaveLength(2);
    });

    it('reports a conflict for an unknown request', async () => {
      expect(await repo.applyChange(change('nope', 'Received', 'Allowed'))).toBe('conflict');
    });

    it('stores the Backup of a change', async () => {
      const request = await store('r-1');
      await repo.applyChange(change('r-1', 'Received', 'Allowed'));
      await repo.applyChange(change('r-1', 'Allowed', 'Succeeded', { backup: aBackup(request) }));
      expect(await repo.findByRequestId('r-1')).toEqual(aBackup(request));
    });

    it('treats a second Backup for one request as a conflict and rolls the whole change back', async () => {
      const request = await store('r-1');
      await repo.applyChange(change('r-1', 'Received', 'Allowed'));
      // Through the use cases only a Succeeded request holds a Backup; calling applyChange
      // directly with a Backup on another legal move reaches the unique key.
      await repo.applyChange(change('r-1', 'Allowed', 'Failed', { backup: aBackup(request) }));
      const second = change('r-1', 'Failed', 'Succeeded', { backup: aBackup(request, 'b-2') });
      expect(await repo.applyChange(second)).toBe('conflict');
      expect((await repo.findById('r-1'))?.statusTypeCode).toBe('Failed');
      expect(repo.allBackups().map((b) => b.backupId)).toEqual(['b-1']);
      expect(await repo.history('r-1')).toHaveLength(3);
      expect(repo.outbox).toHaveLength(3);
    });
  });

  describe('failNext', () => {
    it('makes exactly the next call of the operation throw, without touching the store', async () => {
      const down = new Error('connection terminated');
      repo.failNext('create', down);
      await expect(repo.create(aRequest('r-1'), [])).rejects.toBe(down);
      expect(repo.allRequests()).toEqual([]);
      await expect(repo.create(aRequest('r-1'), [])).resolves.toMatchObject({ outcome: 'created' });
    });
  });

  it('keeps each request’s history to itself, in order', async () => {
    await store('r-1');
    await store('r-2');
    await repo.applyChange(change('r-1', 'Received', 'NotAllowed'));
    expect((await repo.history('r-1')).map((h) => h.toStatus)).toEqual(['Received', 'NotAllowed']);
    expect((await repo.history('r-2')).map((h) => h.toStatus)).toEqual(['Received']);
  });

  it('counts requests per status, every status present', async () => {
    expect(await repo.countByStatus()).toEqual({
      Received: 0,
      Allowed: 0,
      NotAllowed: 0,
      Sent: 0,
      Succeeded: 0,
      Failed: 0,
    });
    await store('r-1');
    await store('r-2');
    await repo.applyChange(change('r-1', 'Received', 'NotAllowed'));
    expect(await repo.countByStatus()).toMatchObject({ Received: 1, NotAllowed: 1, Allowed: 0 });
  });

  it('finds no Backup for a request without one', async () => {
    await store('r-1');
    expect(await repo.findByRequestId('r-1')).toBeNull();
  });
});
