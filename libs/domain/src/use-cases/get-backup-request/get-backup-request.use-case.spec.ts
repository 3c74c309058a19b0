import { RequestNotFoundError } from '../../errors/domain-errors';
import {
  aNewRequest,
  createInMemoryPipeline,
  InMemoryCallbackAttemptLog,
  requestInStatus,
  type InMemoryPipeline,
} from '../../testing';
import { getBackupRequest } from './get-backup-request.use-case';

describe('getBackupRequest', () => {
  let p: InMemoryPipeline;
  beforeEach(() => {
    p = createInMemoryPipeline();
  });

  it('shows the requester its request, the whole history and the Backup', async () => {
    const id = await requestInStatus(p, 'Succeeded');
    const view = await getBackupRequest(p.read, { backupRequestId: id, requesterId: 'client-a' });
    expect(view.request).toEqual(await p.requests.findById(id));
    expect(view.history.map((h) => [h.fromStatus, h.toStatus])).toEqual([
      [null, 'Received'],
      ['Received', 'Allowed'],
      ['Allowed', 'Sent'],
      ['Sent', 'Succeeded'],
    ]);
    expect(view.backup).toEqual(await p.requests.findByRequestId(id));
    expect(view.backup).not.toBeNull();
  });

  it('shows no Backup for a request without one', async () => {
    const id = await requestInStatus(p, 'Received');
    const view = await getBackupRequest(p.read, { backupRequestId: id, requesterId: 'client-a' });
    expect(view.backup).toBeNull();
  });

  it("shows the request's callback attempts, and none without a log or a callback", async () => {
    const callbackUrl = 'https://hooks.example.com/linebacker';
    const id = await requestInStatus(p, 'Succeeded', aNewRequest({ callbackUrl }));
    const attempts = new InMemoryCallbackAttemptLog();
    const attempt = {
      eventId: `${id}:Succeeded`,
      attemptedAt: new Date('2024-03-16T02:00:00Z'),
      statusCode: 503,
      durationMs: 12,
    };
    await attempts.record({ ...attempt, backupRequestId: id, outcome: 'failed', reason: 'x' });
    await attempts.record({ ...attempt, backupRequestId: 'other', outcome: 'failed', reason: 'y' });
    const read = { ...p.read, callbackAttempts: attempts };
    const view = await getBackupRequest(read, { backupRequestId: id, requesterId: 'client-a' });
    expect(view.callbackAttempts.map((a) => [a.backupRequestId, a.reason])).toEqual([[id, 'x']]);
    const without = await getBackupRequest(p.read, { backupRequestId: id, requesterId: null });
    expect(without.callbackAttempts).toEqual([]);
    // A request without a callback has no attempts: the log is not read for it.
    const plain = await requestInStatus(p, 'Succeeded');
    await attempts.record({ ...attempt, backupRequestId: plain, outcome: 'failed', reason: 'z' });
    const view2 = await getBackupRequest(read, { backupRequestId: plain, requesterId: null });
    expect(view2.callbackAttempts).toEqual([]);
  });

  it("reports another requester's request as not found", async () => {
    const id = await requestInStatus(p, 'Received');
    await expect(
      getBackupRequest(p.read, { backupRequestId: id, requesterId: 'client-b' }),
    ).rejects.toBeInstanceOf(RequestNotFoundError);
  });

  it('lets an operator (no requester) read any request', async () => {
    const id = await requestInStatus(p, 'Received');
    const view = await getBackupRequest(p.read, { backupRequestId: id, requesterId: null });
    expect(view.request.backupRequestId).toBe(id);
  });

  it('reports an unknown request as not found', async () => {
    await expect(
      getBackupRequest(p.read, { backupRequestId: 'nope', requesterId: null }),
    ).rejects.toBeInstanceOf(RequestNotFoundError);
  });
});
