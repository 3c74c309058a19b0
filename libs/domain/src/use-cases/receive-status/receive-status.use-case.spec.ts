import type { RequestStatus } from '../../backup-request/request-status';
import {
  BackupJobNotFoundError,
  DependencyFailedError,
  DependencyUnavailableError,
  IllegalTransitionError,
  RequestNotFoundError,
} from '../../errors/domain-errors';
import type { StoreStatusReply } from '../../store-status/store-status';
import {
  aBackupJob,
  aStoreStatusReply,
  createInMemoryPipeline,
  requestInStatus,
  type InMemoryPipeline,
} from '../../testing';
import { receiveStatus } from './receive-status.use-case';

describe('receiveStatus', () => {
  let p: InMemoryPipeline;
  const reply = (id: string, overrides: Partial<StoreStatusReply> = {}) =>
    receiveStatus(p.receiveStatus, {
      reply: aStoreStatusReply(id, overrides),
      messageId: 'msg-reply',
    });
  const snapshot = async (id: string) => ({
    request: await p.requests.findById(id),
    history: await p.requests.history(id),
    backup: await p.requests.findByRequestId(id),
    outbox: p.requests.outbox.length,
  });

  beforeEach(() => {
    p = createInMemoryPipeline();
  });

  /**
   * A Sent request as one allowed before job facts were captured (ADR 0211): the check set
   * only the provider and storage path.
   */
  const legacySentRequest = async (): Promise<string> => {
    const id = await requestInStatus(p, 'Received');
    const at = p.clock.now();
    const move = (from: RequestStatus, to: RequestStatus, patch: object) =>
      p.requests.applyChange({
        backupRequestId: id,
        from,
        to,
        at,
        patch,
        by: 'before-0211',
        messageId: `m-${to}`,
        outbox: [],
      });
    const job = aBackupJob();
    const checked = { backupProviderCode: job.backupProviderCode, storagePathName: '/old' };
    await move('Received', 'Allowed', { ...checked, checkedTimestamp: at });
    await move('Allowed', 'Sent', { sentToInterfaceTimestamp: at });
    return id;
  };

  describe('a Succeeded reply for a request allowed before job facts were captured', () => {
    it('re-reads retention and hold from the job', async () => {
      const id = await legacySentRequest();
      p.jobs.put(aBackupJob({ daysToKeep: 7, holdFlag: true }));
      expect(await reply(id)).toMatchObject({ outcome: 'applied', to: 'Succeeded' });
      expect(await p.requests.findByRequestId(id)).toMatchObject({
        daysToKeepCount: 7,
        holdFlag: true,
        dueToDeleteDate: '2024-03-22',
      });
    });

    it('records a Backup on hold, and Succeeded, when the job is gone', async () => {
      const id = await legacySentRequest();
      p.jobs.jobs.clear();
      expect(await reply(id)).toMatchObject({ outcome: 'applied', to: 'Succeeded' });
      expect(await p.requests.findByRequestId(id)).toMatchObject({
        backupProviderCode: 'Local',
        daysToKeepCount: 0,
        holdFlag: true,
        dueToDeleteDate: '2024-03-15',
      });
    });

    it('waits for a failing job service, reported unavailable so it spends no attempts', async () => {
      const id = await legacySentRequest();
      p.jobs.failWith(new DependencyFailedError('backup job service', 'answered HTTP 503'));
      const failure = await reply(id).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DependencyUnavailableError);
      expect(failure).toMatchObject({ kind: 'unavailable', code: 'DependencyUnavailable' });
      expect((failure as Error).message).toContain('answered HTTP 503');
      expect(await p.requests.findById(id)).toMatchObject({ statusTypeCode: 'Sent' });

      p.jobs.recover();
      expect(await reply(id)).toMatchObject({ outcome: 'applied', to: 'Succeeded' });
    });

    it('keeps a permanent answer of the job service permanent', async () => {
      const id = await legacySentRequest();
      p.jobs.failWith(new BackupJobNotFoundError('job-x'));
      await expect(reply(id)).rejects.toBeInstanceOf(BackupJobNotFoundError);
    });
  });

  describe('a Succeeded reply', () => {
    it.each(['Sent', 'Failed'] as const)(
      'moves a %s request to Succeeded and creates exactly one Backup',
      async (status: RequestStatus) => {
        const id = await requestInStatus(p, status);
        p.clock.advance(60_000);
        expect(await reply(id, { messageText: 'done' })).toEqual({
          outcome: 'applied',
          from: status,
          to: 'Succeeded',
        });
        expect(await p.requests.findById(id)).toMatchObject({
          statusTypeCode: 'Succeeded',
          replyTimestamp: p.clock.now(),
          replyMessageText: 'done',
        });
        expect(p.requests.allBackups()).toHaveLength(1);
        expect(await p.requests.findByRequestId(id)).toMatchObject({
          backupRequestId: id,
          dueToDeleteDate: '2024-04-14',
        });
        expect(p.requests.outbox.at(-1)).toMatchObject({
          type: 'backup-request.succeeded',
          causationId: 'msg-reply',
        });
        expect((await p.requests.history(id)).at(-1)).toMatchObject({
          fromStatus: status,
          toStatus: 'Succeeded',
          by: 'receive-status',
          messageId: 'msg-reply',
        });
      },
    );

    it('keeps the retention and hold the job had when the request was allowed', async () => {
      const id = await requestInStatus(p, 'Sent');
      p.jobs.put(aBackupJob({ daysToKeep: 7, holdFlag: true }));
      await reply(id);
      expect(await p.requests.findByRequestId(id)).toMatchObject({
        daysToKeepCount: 30,
        holdFlag: false,
        dueToDeleteDate: '2024-04-14',
      });
    });

    it('records the Backup and Succeeded when the job was deleted after the check', async () => {
      const id = await requestInStatus(p, 'Sent');
      p.jobs.jobs.clear();
      expect(await reply(id)).toEqual({ outcome: 'applied', from: 'Sent', to: 'Succeeded' });
      expect(await p.requests.findByRequestId(id)).toMatchObject({
        backupProviderCode: 'Local',
        daysToKeepCount: 30,
        holdFlag: false,
      });
    });

    it('does not need the job service at all', async () => {
      const id = await requestInStatus(p, 'Sent');
      p.jobs.failWith(new DependencyFailedError('backup job service', 'answered HTTP 503'));
      expect(await reply(id)).toMatchObject({ outcome: 'applied', to: 'Succeeded' });
      expect(p.requests.allBackups()).toHaveLength(1);
    });

    it('does nothing the second time, leaving the one Backup as it was', async () => {
      const id = await requestInStatus(p, 'Succeeded');
      const before = await snapshot(id);
      expect(await reply(id)).toEqual({
        outcome: 'already-done',
        status: 'Succeeded',
        reason: 'already succeeded',
      });
      expect(await snapshot(id)).toEqual(before);
      expect(p.requests.allBackups()).toHaveLength(1);
    });

    it('creates one Backup when two copies of it race', async () => {
      const id = await requestInStatus(p, 'Sent');
      const results = await Promise.all([reply(id), reply(id)]);
      expect(results.map((r) => r.outcome).sort()).toEqual(['already-done', 'applied']);
      expect(p.requests.allBackups()).toHaveLength(1);
    });
  });

  describe('a reply for a request still Allowed (its Sent commit has not landed yet)', () => {
    it.each(['Succeeded', 'Failed'] as const)(
      'records the Allowed → Sent the reply proves, then the %s reply',
      async (resultTypeCode) => {
        const id = await requestInStatus(p, 'Allowed');
        p.clock.advance(60_000);
        const outbox = p.requests.outbox.length;
        expect(await reply(id, { resultTypeCode })).toEqual({
          outcome: 'applied',
          from: 'Sent',
          to: resultTypeCode,
        });
        expect(await p.requests.findById(id)).toMatchObject({
          statusTypeCode: resultTypeCode,
          sentToInterfaceTimestamp: p.clock.now(),
          replyTimestamp: p.clock.now(),
        });
        const history = await p.requests.history(id);
        expect(history.slice(-2)).toEqual([
          expect.objectContaining({
            fromStatus: 'Allowed',
            toStatus: 'Sent',
            by: 'receive-status',
            messageId: 'msg-reply',
          }),
          expect.objectContaining({
            fromStatus: 'Sent',
            toStatus: resultTypeCode,
            by: 'receive-status',
            messageId: 'msg-reply',
          }),
        ]);
        expect(p.requests.outbox.slice(outbox).map((m) => m.type)).toEqual([
          'backup-request.sent',
          `backup-request.${resultTypeCode.toLowerCase()}`,
        ]);
        expect(p.requests.allBackups()).toHaveLength(resultTypeCode === 'Succeeded' ? 1 : 0);
      },
    );

    it('lets the reply decide from Sent when the Sent commit lands first', async () => {
      const id = await requestInStatus(p, 'Allowed');
      const found = await p.requests.findById(id);
      // send-to-interface commits Sent between the reply's read and its implied move.
      const findById = p.requests.findById.bind(p.requests);
      let reads = 0;
      jest.spyOn(p.requests, 'findById').mockImplementation(async (requestId) => {
        reads += 1;
        if (reads === 1) {
          await p.requests.applyChange({
            backupRequestId: id,
            from: 'Allowed',
            to: 'Sent',
            at: p.clock.now(),
            patch: { sentToInterfaceTimestamp: p.clock.now() },
            by: 'send-to-interface',
            messageId: 'msg-allowed',
            outbox: [],
          });
          return found;
        }
        return findById(requestId);
      });
      expect(await reply(id)).toEqual({ outcome: 'applied', from: 'Sent', to: 'Succeeded' });
      expect((await p.requests.history(id)).map((h) => [h.toStatus, h.by])).toEqual([
        ['Received', expect.any(String)],
        ['Allowed', expect.any(String)],
        ['Sent', 'send-to-interface'],
        ['Succeeded', 'receive-status'],
      ]);
    });
  });

  describe('a Failed reply', () => {
    it.each(['Sent'] as const)('moves a %s request to Failed', async (status) => {
      const id = await requestInStatus(p, status);
      expect(await reply(id, { resultTypeCode: 'Failed', messageText: 'disk full' })).toEqual({
        outcome: 'applied',
        from: status,
        to: 'Failed',
      });
      expect(await p.requests.findById(id)).toMatchObject({
        statusTypeCode: 'Failed',
        replyMessageText: 'disk full',
      });
      expect(await p.requests.findByRequestId(id)).toBeNull();
      expect(p.requests.outbox.at(-1)?.type).toBe('backup-request.failed');
    });

    it('needs no job, so it still lands when the job is gone', async () => {
      const id = await requestInStatus(p, 'Sent');
      p.jobs.jobs.clear();
      expect(await reply(id, { resultTypeCode: 'Failed' })).toMatchObject({ to: 'Failed' });
    });

    it('never touches a Succeeded request or its Backup', async () => {
      const id = await requestInStatus(p, 'Succeeded');
      const before = await snapshot(id);
      expect(await reply(id, { resultTypeCode: 'Failed' })).toMatchObject({
        outcome: 'already-done',
        status: 'Succeeded',
      });
      expect(await snapshot(id)).toEqual(before);
    });

    it('does nothing to a request that already failed', async () => {
      const id = await requestInStatus(p, 'Failed');
      expect(await reply(id, { resultTypeCode: 'Failed' })).toMatchObject({
        outcome: 'already-done',
        status: 'Failed',
      });
    });
  });

  describe.each(['Received', 'NotAllowed'] as const)('for a %s request', (status) => {
    it.each(['Succeeded', 'Failed'] as const)(
      'rejects a %s reply as a permanent illegal transition, storing nothing',
      async (result) => {
        const id = await requestInStatus(p, status);
        const before = await snapshot(id);
        const attempt = reply(id, { resultTypeCode: result });
        await expect(attempt).rejects.toBeInstanceOf(IllegalTransitionError);
        await expect(attempt).rejects.toMatchObject({ kind: 'permanent' });
        expect(await snapshot(id)).toEqual(before);
      },
    );
  });

  it('rejects a reply for an unknown request as RequestNotFoundError', async () => {
    await expect(reply('no-such-request')).rejects.toBeInstanceOf(RequestNotFoundError);
    await expect(reply('no-such-request')).rejects.toMatchObject({ kind: 'permanent' });
  });

  it('clips the message text to 250 characters and stores none when there is none', async () => {
    const long = await requestInStatus(p, 'Sent');
    await reply(long, { resultTypeCode: 'Failed', messageText: 'm'.repeat(400) });
    expect((await p.requests.findById(long))?.replyMessageText).toBe('m'.repeat(250));
    const none = await requestInStatus(p, 'Sent');
    await reply(none, { messageText: undefined });
    expect((await p.requests.findById(none))?.replyMessageText).toBeNull();
  });
});
