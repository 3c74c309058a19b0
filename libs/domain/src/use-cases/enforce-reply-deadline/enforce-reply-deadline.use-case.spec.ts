import { NO_REPLY_FROM_INTERFACE } from '../../backup-request/reply-deadline';
import { EVENT_TYPES } from '../../messages/event-types';
import { createInMemoryPipeline, requestInStatus, type InMemoryPipeline } from '../../testing';
import { aStoreStatusReply } from '../../testing/fixtures';
import { receiveStatus } from '../receive-status/receive-status.use-case';
import { resendToInterface } from '../resend-to-interface/resend-to-interface.use-case';
import {
  enforceReplyDeadline,
  replyDeadlineMessageId,
  type EnforceReplyDeadlineInput,
} from './enforce-reply-deadline.use-case';

const HOUR = 3_600_000;

describe('enforceReplyDeadline', () => {
  let p: InMemoryPipeline;
  const deps = () => ({ requests: p.requests, clock: p.clock, service: 'recovery' });
  const round = (input: Partial<EnforceReplyDeadlineInput> = {}) =>
    enforceReplyDeadline(deps(), {
      replyTimeoutMs: 4 * HOUR,
      maxResends: 2,
      batchSize: 100,
      maxBatches: 10,
      ...input,
    });
  const overdueMessages = () =>
    p.requests.outbox.filter((m) => m.type === EVENT_TYPES.replyOverdue);

  beforeEach(() => {
    p = createInMemoryPipeline({ start: '2024-03-16T00:00:00Z' });
  });

  it('leaves a Sent request alone until its reply is overdue', async () => {
    const id = await requestInStatus(p, 'Sent');
    p.clock.advance(4 * HOUR);
    expect(await round()).toEqual({ resent: [], failed: [] });
    expect(p.requests.replyResends(id)).toBe(0);
  });

  it('re-sends an overdue request once per deadline, recording each resend in the history', async () => {
    const id = await requestInStatus(p, 'Sent');
    p.clock.advance(4 * HOUR + 1);
    expect(await round()).toEqual({ resent: [id], failed: [] });
    // The resend restarts the deadline: a second round at once finds nothing.
    expect(await round()).toEqual({ resent: [], failed: [] });
    p.clock.advance(4 * HOUR + 1);
    expect(await round()).toEqual({ resent: [id], failed: [] });

    expect(overdueMessages().map((m) => [m.messageId, m.payload])).toEqual([
      [replyDeadlineMessageId(id, 1), { backupRequestId: id }],
      [replyDeadlineMessageId(id, 2), { backupRequestId: id }],
    ]);
    const resends = (await p.requests.history(id)).filter((h) => h.fromStatus === 'Sent');
    expect(resends).toEqual([
      expect.objectContaining({
        toStatus: 'Sent',
        by: 'recovery',
        messageId: `${id}:backup-request.reply-overdue:1`,
      }),
      expect.objectContaining({
        toStatus: 'Sent',
        by: 'recovery',
        messageId: `${id}:backup-request.reply-overdue:2`,
      }),
    ]);
    expect((await p.requests.findById(id))?.statusTypeCode).toBe('Sent');
  });

  it('moves a request to Failed with NoReplyFromInterface once its resends went unanswered', async () => {
    const id = await requestInStatus(p, 'Sent');
    for (let deadline = 0; deadline < 2; deadline++) {
      p.clock.advance(4 * HOUR + 1);
      await round();
    }
    p.clock.advance(4 * HOUR + 1);
    const failedAt = p.clock.now();

    expect(await round()).toEqual({ resent: [], failed: [id] });

    expect(await p.requests.findById(id)).toMatchObject({
      statusTypeCode: 'Failed',
      replyMessageText: NO_REPLY_FROM_INTERFACE,
      replyTimestamp: failedAt,
    });
    const history = await p.requests.history(id);
    expect(history.at(-1)).toEqual({
      backupRequestId: id,
      fromStatus: 'Sent',
      toStatus: 'Failed',
      at: failedAt,
      by: 'recovery',
      messageId: replyDeadlineMessageId(id, 3),
    });
    expect(p.requests.outbox.filter((m) => m.type === EVENT_TYPES.failed)).toHaveLength(1);
    expect(overdueMessages()).toHaveLength(2);
    expect(await round()).toEqual({ resent: [], failed: [] });
  });

  it('fails an overdue request at once when no resends are configured', async () => {
    const id = await requestInStatus(p, 'Sent');
    p.clock.advance(4 * HOUR + 1);
    expect(await round({ maxResends: 0 })).toEqual({ resent: [], failed: [id] });
    expect(overdueMessages()).toEqual([]);
  });

  it('touches no request outside Sent, however old', async () => {
    for (const status of ['Received', 'Allowed', 'NotAllowed', 'Succeeded', 'Failed'] as const) {
      await requestInStatus(p, status);
    }
    p.clock.advance(100 * HOUR);
    const before = p.requests.allRequests();
    expect(await round()).toEqual({ resent: [], failed: [] });
    expect(p.requests.allRequests()).toEqual(before);
  });

  it('takes a large backlog in batches within one round', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await requestInStatus(p, 'Sent'));
    p.clock.advance(4 * HOUR + 1);
    const outcome = await round({ batchSize: 2 });
    expect(outcome.resent.sort()).toEqual(ids.sort());
  });

  it('lets a reply that arrives while the failure is decided win', async () => {
    const id = await requestInStatus(p, 'Sent');
    p.clock.advance(4 * HOUR + 1);
    const reply = aStoreStatusReply(id, { resultTypeCode: 'Succeeded' });
    const inner = p.requests.findById.bind(p.requests);
    let replied = false;
    // The reply commits between the claim and the compare-and-set to Failed.
    p.requests.findById = async (requestId) => {
      if (!replied) {
        replied = true;
        await receiveStatus(p.receiveStatus, { reply, messageId: 'reply-1' });
      }
      return inner(requestId);
    };
    expect(await round({ maxResends: 0 })).toEqual({ resent: [], failed: [] });
    expect((await p.requests.findById(id))?.statusTypeCode).toBe('Succeeded');
    expect(p.requests.outbox.filter((m) => m.type === EVENT_TYPES.failed)).toEqual([]);
  });

  it('still takes a late Succeeded reply after NoReplyFromInterface: Failed → Succeeded with its Backup', async () => {
    const id = await requestInStatus(p, 'Sent');
    p.clock.advance(4 * HOUR + 1);
    await round({ maxResends: 0 });
    expect((await p.requests.findById(id))?.statusTypeCode).toBe('Failed');

    const reply = aStoreStatusReply(id, { resultTypeCode: 'Succeeded' });
    expect(await receiveStatus(p.receiveStatus, { reply, messageId: 'late-reply' })).toEqual({
      outcome: 'applied',
      from: 'Failed',
      to: 'Succeeded',
    });
    expect((await p.requests.findById(id))?.statusTypeCode).toBe('Succeeded');
    expect(await p.requests.findByRequestId(id)).not.toBeNull();
  });
});

describe('resendToInterface', () => {
  let p: InMemoryPipeline;
  beforeEach(() => {
    p = createInMemoryPipeline();
  });
  const resend = (backupRequestId: string) =>
    resendToInterface(
      { requests: p.requests, backupInterface: p.backupInterface },
      { backupRequestId },
    );

  it('sends a Sent request again exactly as the first send did', async () => {
    const id = await requestInStatus(p, 'Sent');
    expect(await resend(id)).toBe('resent');
    expect(p.backupInterface.sent).toHaveLength(2);
    expect(p.backupInterface.sent[1]).toEqual(p.backupInterface.sent[0]);
  });

  it('does not send a request whose reply came meanwhile', async () => {
    const id = await requestInStatus(p, 'Failed');
    expect(await resend(id)).toBe('no-longer-waiting');
    expect(p.backupInterface.sent).toHaveLength(1);
  });

  it('reports an unknown request as not found', async () => {
    await expect(resend(globalThis.crypto.randomUUID())).rejects.toMatchObject({
      code: 'RequestNotFound',
    });
  });
});
