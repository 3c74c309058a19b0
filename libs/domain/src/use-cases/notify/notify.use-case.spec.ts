import { RequestNotFoundError } from '../../errors/domain-errors';
import {
  aStoreStatusReply,
  createInMemoryPipeline,
  requestInStatus,
  type InMemoryPipeline,
} from '../../testing';
import { receiveStatus } from '../receive-status/receive-status.use-case';
import { notify } from './notify.use-case';

describe('notify', () => {
  let p: InMemoryPipeline;
  const notifyOf = (backupRequestId: string) => notify(p.notify, { backupRequestId });

  beforeEach(() => {
    p = createInMemoryPipeline();
  });

  it.each(['NotAllowed', 'Succeeded', 'Failed'] as const)(
    'notifies a %s request as stored',
    async (status) => {
      const id = await requestInStatus(p, status);
      const stored = await p.requests.findById(id);
      expect(await notifyOf(id)).toEqual(stored);
      expect(p.notifier.notified).toEqual([stored]);
    },
  );

  it('tells the newer truth when a Failed event was overtaken by a Succeeded reply', async () => {
    const id = await requestInStatus(p, 'Failed');
    await receiveStatus(p.receiveStatus, {
      reply: aStoreStatusReply(id),
      messageId: 'late-success',
    });
    await notifyOf(id);
    expect(p.notifier.notified.map((r) => r.statusTypeCode)).toEqual(['Succeeded']);
  });

  it.each(['Received', 'Allowed', 'Sent'] as const)(
    'refuses permanently to notify a %s request',
    async (status) => {
      const id = await requestInStatus(p, status);
      await expect(notifyOf(id)).rejects.toMatchObject({ code: 'NotTerminal', kind: 'permanent' });
      expect(p.notifier.notified).toEqual([]);
    },
  );

  it('reports an unknown request as RequestNotFoundError', async () => {
    await expect(notifyOf('no-such-request')).rejects.toBeInstanceOf(RequestNotFoundError);
  });

  it('lets a notifier failure through so the event is retried', async () => {
    const id = await requestInStatus(p, 'Succeeded');
    p.notifier.failWith(new Error('callback down'));
    await expect(notifyOf(id)).rejects.toThrow('callback down');
  });
});
