import { HEADERS } from '../runner/message-headers';
import { parkedReplayHeaders, toParkedMessage } from './parked-message';

const body = Buffer.from('{"not":"a reply"}');
// What RawQueueRunner writes when it parks a reply, plus a quorum queue's counter.
const parked = {
  [HEADERS.errorCode]: 'InvalidInterfaceReply',
  [HEADERS.reason]: 'reply fails its schema',
  [HEADERS.parkedAt]: '2026-12-01T10:00:00.000Z',
  [HEADERS.queue]: 'backup-interface.replies',
  'x-custom': 'kept',
  'x-delivery-count': 3,
};

describe('parked messages', () => {
  it('shows the parking record, the message id and the body', () => {
    expect(toParkedMessage(body, parked, 'm-1')).toMatchObject({
      messageId: 'm-1',
      errorCode: 'InvalidInterfaceReply',
      reason: 'reply fails its schema',
      parkedAt: '2026-12-01T10:00:00.000Z',
      queue: 'backup-interface.replies',
      receiveCount: 1,
      rawBody: '{"not":"a reply"}',
    });
    expect(toParkedMessage(body, parked, undefined).messageId).toBeNull();
  });

  it('gives the same parked id whatever the broker counted, and another to another message', () => {
    const id = toParkedMessage(body, parked, 'm-1').parkedId;
    expect(toParkedMessage(body, { ...parked, 'x-delivery-count': 9 }, 'm-1').parkedId).toBe(id);
    expect(toParkedMessage(body, parked, 'm-2').parkedId).not.toBe(id);
    expect(toParkedMessage(Buffer.from('other'), parked, 'm-1').parkedId).not.toBe(id);
  });

  it('counts the receives its put-back and redelivery headers account for', () => {
    const counted = { ...parked, [HEADERS.putBacks]: 2, [HEADERS.redeliveries]: 1 };
    expect(toParkedMessage(body, counted, 'm-1').receiveCount).toBe(5);
    const pastLimit = {
      ...parked,
      [HEADERS.errorCode]: 'DeliveryLimitExceeded',
      [HEADERS.redeliveries]: 2,
    };
    expect(toParkedMessage(body, pastLimit, 'm-1').receiveCount).toBe(6);
  });

  it('replays without the parking record and counters, with an audit trail', () => {
    const headers = parkedReplayHeaders({
      ...parked,
      [HEADERS.redeliveries]: 1,
      [HEADERS.putBacks]: 1,
      [HEADERS.replayCount]: 1,
    });
    expect(headers).toEqual({
      'x-custom': 'kept',
      [HEADERS.replayedAt]: expect.any(String),
      [HEADERS.replayCount]: 2,
      [HEADERS.lastErrorCode]: 'InvalidInterfaceReply',
      [HEADERS.lastReason]: 'reply fails its schema',
    });
  });
});
