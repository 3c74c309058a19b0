import {
  DependencyFailedError,
  DependencyUnavailableError,
  RequestNotFoundError,
} from '../../errors/domain-errors';
import {
  aBackupJob,
  createInMemoryPipeline,
  requestInStatus,
  type InMemoryPipeline,
} from '../../testing';
import { checkAllowed } from './check-allowed.use-case';

describe('checkAllowed', () => {
  let p: InMemoryPipeline;
  let id: string;
  const check = (messageId = 'msg-received') =>
    checkAllowed(p.checkAllowed, { backupRequestId: id, messageId });

  beforeEach(async () => {
    p = createInMemoryPipeline({
      jobs: [
        aBackupJob({
          backupProviderCode: 'CloudB',
          storagePathName: '/vault/job-1',
          daysToKeep: 12,
          holdFlag: true,
        }),
      ],
    });
    id = await requestInStatus(p, 'Received');
    p.clock.advance(5000);
  });

  it('allows a request for an active job and copies what its Backup will need of the job', async () => {
    expect(await check()).toEqual({ outcome: 'applied', from: 'Received', to: 'Allowed' });
    expect(await p.requests.findById(id)).toMatchObject({
      statusTypeCode: 'Allowed',
      backupProviderCode: 'CloudB',
      storagePathName: '/vault/job-1',
      daysToKeepCount: 12,
      holdFlag: true,
      checkedTimestamp: p.clock.now(),
    });
    expect(p.requests.outbox.at(-1)).toMatchObject({
      messageId: `${id}:backup-request.allowed`,
      type: 'backup-request.allowed',
      causationId: 'msg-received',
    });
    expect((await p.requests.history(id)).at(-1)).toMatchObject({
      fromStatus: 'Received',
      toStatus: 'Allowed',
      by: 'check-allowed',
      messageId: 'msg-received',
    });
  });

  it('does not allow a request for an inactive job and copies nothing from it', async () => {
    p.jobs.put(aBackupJob({ isActive: false }));
    expect(await check()).toEqual({ outcome: 'applied', from: 'Received', to: 'NotAllowed' });
    expect(await p.requests.findById(id)).toMatchObject({
      statusTypeCode: 'NotAllowed',
      backupProviderCode: null,
      storagePathName: null,
      daysToKeepCount: null,
      holdFlag: null,
      checkedTimestamp: p.clock.now(),
    });
    expect(p.requests.outbox.at(-1)?.type).toBe('backup-request.not-allowed');
  });

  it('does not allow a request for a job the service does not know', async () => {
    p.jobs.jobs.clear();
    expect(await check()).toMatchObject({ outcome: 'applied', to: 'NotAllowed' });
  });

  it.each(['Allowed', 'NotAllowed', 'Sent', 'Succeeded', 'Failed'] as const)(
    'finds a request already %s done without asking the job service',
    async (status) => {
      id = await requestInStatus(p, status);
      const lookups = p.jobs.lookups.length;
      const outbox = p.requests.outbox.length;
      expect(await check()).toEqual({
        outcome: 'already-done',
        status,
        reason: 'already checked',
      });
      expect(p.jobs.lookups).toHaveLength(lookups);
      expect(p.requests.outbox).toHaveLength(outbox);
    },
  );

  it.each([
    [new DependencyUnavailableError('backup-job-service', 'refused'), 'unavailable'],
    [new DependencyFailedError('backup-job-service', 'HTTP 503'), 'transient'],
  ])('lets a job service failure through with its kind and stores nothing', async (error, kind) => {
    p.jobs.failWith(error);
    await expect(check()).rejects.toMatchObject({ kind, code: error.code });
    expect((await p.requests.findById(id))?.statusTypeCode).toBe('Received');
    expect(await p.requests.history(id)).toHaveLength(1);
    expect(p.requests.outbox).toHaveLength(1);
  });

  it('reports an unknown request as RequestNotFoundError without asking the job service', async () => {
    id = 'no-such-request';
    const lookups = p.jobs.lookups.length;
    await expect(check()).rejects.toBeInstanceOf(RequestNotFoundError);
    expect(p.jobs.lookups).toHaveLength(lookups);
  });

  it('lets exactly one of two racing checks decide', async () => {
    const results = await Promise.all([check('m-1'), check('m-2')]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['already-done', 'applied']);
    expect(await p.requests.history(id)).toHaveLength(2);
  });
});
