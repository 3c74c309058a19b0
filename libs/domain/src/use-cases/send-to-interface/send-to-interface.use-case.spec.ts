import { IllegalTransitionError, RequestNotFoundError } from '../../errors/domain-errors';
import { DependencyUnavailableError } from '../../errors/domain-errors';
import {
  aBackupJob,
  aStoreStatusReply,
  createInMemoryPipeline,
  requestInStatus,
  type InMemoryPipeline,
} from '../../testing';
import { receiveStatus } from '../receive-status/receive-status.use-case';
import { sendToInterface } from './send-to-interface.use-case';

describe('sendToInterface', () => {
  let p: InMemoryPipeline;
  let id: string;
  const send = () =>
    sendToInterface(p.sendToInterface, { backupRequestId: id, messageId: 'msg-allowed' });
  const snapshot = async () => ({
    request: await p.requests.findById(id),
    history: await p.requests.history(id),
    outbox: p.requests.outbox.length,
  });

  beforeEach(async () => {
    p = createInMemoryPipeline({
      jobs: [aBackupJob({ backupProviderCode: 'CloudA', storagePathName: '/vault' })],
    });
    id = await requestInStatus(p, 'Allowed');
    p.clock.advance(1000);
  });

  it('sends the request with its job fields and only then commits Sent', async () => {
    const statusDuringSend: string[] = [];
    p.backupInterface.onSend = async () => {
      statusDuringSend.push((await p.requests.findById(id))?.statusTypeCode ?? 'missing');
    };
    expect(await send()).toEqual({ outcome: 'applied', from: 'Allowed', to: 'Sent' });
    expect(p.backupInterface.sent).toEqual([
      {
        backupRequestId: id,
        backupJobId: 'job-1',
        dataDate: '2024-03-15',
        preparedDataPathName: '/prepared/job-1/2024-03-15',
        storagePathName: '/vault',
        backupProviderCode: 'CloudA',
      },
    ]);
    expect(statusDuringSend).toEqual(['Allowed']);
    expect(await p.requests.findById(id)).toMatchObject({
      statusTypeCode: 'Sent',
      sentToInterfaceTimestamp: p.clock.now(),
    });
    expect(p.requests.outbox.at(-1)).toMatchObject({
      type: 'backup-request.sent',
      causationId: 'msg-allowed',
    });
    expect((await p.requests.history(id)).at(-1)).toMatchObject({
      fromStatus: 'Allowed',
      toStatus: 'Sent',
      by: 'send-to-interface',
      messageId: 'msg-allowed',
    });
  });

  it.each(['Sent', 'Succeeded', 'Failed'] as const)(
    'finds a %s request already done and sends nothing',
    async (status) => {
      id = await requestInStatus(p, status);
      const sends = p.backupInterface.sent.length;
      expect(await send()).toEqual({ outcome: 'already-done', status, reason: 'already sent' });
      expect(p.backupInterface.sent).toHaveLength(sends);
    },
  );

  it.each(['Received', 'NotAllowed'] as const)(
    'refuses a %s request as an illegal transition and sends nothing',
    async (status) => {
      id = await requestInStatus(p, status);
      const sends = p.backupInterface.sent.length;
      await expect(send()).rejects.toBeInstanceOf(IllegalTransitionError);
      await expect(send()).rejects.toMatchObject({ kind: 'permanent' });
      expect(p.backupInterface.sent).toHaveLength(sends);
    },
  );

  it('commits nothing when the interface cannot take the request', async () => {
    const before = await snapshot();
    p.backupInterface.failWith(new DependencyUnavailableError('backup-interface', 'closed'));
    await expect(send()).rejects.toMatchObject({ kind: 'unavailable' });
    expect(await snapshot()).toEqual(before);
  });

  it('keeps Sent when a reply lands between the send and our commit, which then does nothing', async () => {
    p.backupInterface.onSend = async (request) => {
      await receiveStatus(p.receiveStatus, {
        reply: aStoreStatusReply(request.backupRequestId),
        messageId: 'msg-reply',
      });
    };
    expect(await send()).toEqual({
      outcome: 'already-done',
      status: 'Succeeded',
      reason: 'already sent',
    });
    expect(p.backupInterface.sent).toHaveLength(1);
    // The reply proved the send and recorded it (receive-status); our late Allowed → Sent
    // found the request moved on and wrote nothing.
    expect((await p.requests.history(id)).map((h) => [h.toStatus, h.by])).toEqual([
      ['Received', expect.any(String)],
      ['Allowed', expect.any(String)],
      ['Sent', 'receive-status'],
      ['Succeeded', 'receive-status'],
    ]);
    expect(p.requests.outbox.filter((m) => m.type === 'backup-request.sent')).toHaveLength(1);
  });

  describe('with other handlers of the same request (ADR 0212)', () => {
    it('sends once when two handlers take the same request at once', async () => {
      const outcomes = await Promise.all([send(), send()]);
      expect(outcomes).toEqual(
        expect.arrayContaining([
          { outcome: 'applied', from: 'Allowed', to: 'Sent' },
          { outcome: 'already-done', status: 'Allowed', reason: 'another handler holds the send' },
        ]),
      );
      expect(p.backupInterface.sent).toHaveLength(1);
      expect((await p.requests.findById(id))?.statusTypeCode).toBe('Sent');
    });

    it('does not send while another handler is sending, even after that send is slow', async () => {
      const during: unknown[] = [];
      p.backupInterface.onSend = async () => {
        p.clock.advance(59_000);
        during.push(await send());
      };
      expect(await send()).toMatchObject({ outcome: 'applied', to: 'Sent' });
      expect(during).toEqual([
        { outcome: 'already-done', status: 'Allowed', reason: 'another handler holds the send' },
      ]);
      expect(p.backupInterface.sent).toHaveLength(1);
    });

    it('gives the claim back when the send fails, so the retried message sends at once', async () => {
      p.backupInterface.failWith(new DependencyUnavailableError('backup-interface', 'closed'));
      await expect(send()).rejects.toMatchObject({ kind: 'unavailable' });
      p.backupInterface.recover();
      expect(await send()).toMatchObject({ outcome: 'applied', to: 'Sent' });
      expect(p.backupInterface.sent).toHaveLength(1);
    });

    it("sends again once a crashed sender's claim has lapsed, and not before", async () => {
      const now = p.clock.now();
      const crashed = { backupRequestId: id, token: 'crashed', now };
      const expiresAt = new Date(now.getTime() + 60_000);
      expect(await p.requests.claimSend({ ...crashed, expiresAt })).toBe(true);
      p.clock.advance(59_999);
      expect(await send()).toMatchObject({ outcome: 'already-done', status: 'Allowed' });
      p.clock.advance(1);
      expect(await send()).toMatchObject({ outcome: 'applied', to: 'Sent' });
      expect(p.backupInterface.sent).toHaveLength(1);
    });
  });

  it('refuses an Allowed request that lacks its storage path as permanently incomplete', async () => {
    const allowed = p.requests.allRequests().find((r) => r.backupRequestId === id);
    if (!allowed) throw new Error('no Allowed request to copy');
    await p.requests.create({ ...allowed, backupRequestId: 'broken', storagePathName: null }, []);
    id = 'broken';
    await expect(send()).rejects.toMatchObject({ code: 'IncompleteRequest', kind: 'permanent' });
    expect(p.backupInterface.sent).toEqual([]);
  });

  it('reports an unknown request as RequestNotFoundError', async () => {
    id = 'no-such-request';
    await expect(send()).rejects.toBeInstanceOf(RequestNotFoundError);
  });
});
