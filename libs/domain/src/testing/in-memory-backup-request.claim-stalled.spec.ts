import { newBackupRequest, type BackupRequest } from '../backup-request/backup-request';
import { EVENT_TYPES } from '../messages/event-types';
import { requestEvent } from '../messages/outbox-message';
import type { StalledQuery } from '../ports/backup-request.repository';
import { aNewRequest } from './fixtures';
import { InMemoryBackupRequestRepository } from './in-memory-backup-request.repository';

const T0 = new Date('2024-03-16T00:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const receivedEvent = (request: BackupRequest) =>
  requestEvent(EVENT_TYPES.received, request, null, request.receivedTimestamp);

describe('InMemoryBackupRequestRepository.claimStalled', () => {
  let repo: InMemoryBackupRequestRepository;
  beforeEach(() => {
    repo = new InMemoryBackupRequestRepository();
  });

  const store = async (id: string, receivedAt = T0) => {
    const request = newBackupRequest(id, aNewRequest(), receivedAt);
    await repo.create(request, [receivedEvent(request)]);
    return request;
  };
  const moveToAllowed = (id: string, when: Date) =>
    repo.applyChange({
      backupRequestId: id,
      from: 'Received',
      to: 'Allowed',
      at: when,
      patch: {},
      by: 'test',
      messageId: null,
      outbox: [],
    });
  const query = (overrides: Partial<StalledQuery> = {}): StalledQuery => ({
    statuses: ['Received', 'Allowed'],
    changedBefore: at(60),
    redrivenBefore: at(60),
    limit: 10,
    now: at(120),
    ...overrides,
  });
  const redrive = (request: BackupRequest) => [receivedEvent(request)];
  const ids = (requests: BackupRequest[]) => requests.map((r) => r.backupRequestId);

  it('claims matching requests oldest first, up to the limit, and writes their messages', async () => {
    await store('new', at(30));
    await store('old', at(10));
    await store('older', at(0));
    const claimed = await repo.claimStalled(query({ limit: 2 }), redrive);
    expect(ids(claimed)).toEqual(['older', 'old']);
    expect(repo.outbox.slice(3).map((m) => m.payload['backupRequestId'])).toEqual(['older', 'old']);
    expect(repo.redrivenAt('older')).toEqual(at(120));
    expect(repo.redrivenAt('new')).toBeNull();
  });

  it('claims only the given statuses', async () => {
    await store('r-1');
    await store('r-2');
    await moveToAllowed('r-2', at(1));
    expect(ids(await repo.claimStalled(query({ statuses: ['Allowed'] }), redrive))).toEqual([
      'r-2',
    ]);
  });

  it('treats changedBefore as exclusive', async () => {
    await store('r-1', at(60));
    expect(await repo.claimStalled(query(), redrive)).toEqual([]);
    expect(await repo.claimStalled(query({ changedBefore: at(61) }), redrive)).toHaveLength(1);
  });

  it('does not claim a request re-driven at or after redrivenBefore again', async () => {
    await store('r-1');
    await repo.claimStalled(query({ now: at(100) }), redrive);
    expect(await repo.claimStalled(query({ redrivenBefore: at(100) }), redrive)).toEqual([]);
    expect(await repo.claimStalled(query({ redrivenBefore: at(101) }), redrive)).toHaveLength(1);
  });

  it('marks and writes nothing when building the messages fails', async () => {
    await store('r-1');
    const failing = () => {
      throw new Error('boom');
    };
    await expect(repo.claimStalled(query(), failing)).rejects.toThrow('boom');
    expect(repo.redrivenAt('r-1')).toBeNull();
    expect(repo.outbox).toHaveLength(1);
  });
});
