import { parseInterfaceReply, storeStatusMessage } from './interface-reply';

const reply = {
  apiVersion: '2022-05-22',
  backupRequestId: '3f2c1d9e-8a7b-4c6d-9e0f-1a2b3c4d5e6f',
  storagePathName: '/vault/x',
  resultTypeCode: 'Succeeded',
  backupByteCount: 1024,
  copyStartTimestamp: '2024-03-01T10:00:00.000Z',
  copyEndTimestamp: '2024-03-01T10:01:00.000Z',
};

describe('interface replies', () => {
  it('accepts a valid reply', () => {
    expect(parseInterfaceReply(Buffer.from(JSON.stringify(reply)))).toEqual(reply);
  });

  it.each([
    ['not JSON', '{"apiVersion":', /not JSON/],
    ['an unknown result', JSON.stringify({ ...reply, resultTypeCode: 'Maybe' }), /resultTypeCode/],
    [
      'a missing field',
      JSON.stringify({ ...reply, copyEndTimestamp: undefined }),
      /copyEndTimestamp/,
    ],
    [
      'a non-uuid request id',
      JSON.stringify({ ...reply, backupRequestId: 'x' }),
      /backupRequestId/,
    ],
    ['a negative byte count', JSON.stringify({ ...reply, backupByteCount: -1 }), /backupByteCount/],
    ['an unknown field', JSON.stringify({ ...reply, extra: true }), /additional/],
  ])('rejects %s as permanent with the reason', (_name, body, reason) => {
    expect(() => parseInterfaceReply(body)).toThrow(reason);
    try {
      parseInterfaceReply(body);
    } catch (error) {
      expect(error).toMatchObject({ kind: 'permanent', code: 'InvalidInterfaceReply' });
    }
  });

  it('derives the same message id from the same reply', () => {
    const a = storeStatusMessage(parseInterfaceReply(JSON.stringify(reply)), 'c-1');
    const b = storeStatusMessage(parseInterfaceReply(JSON.stringify(reply)), 'c-2');
    expect(a.messageId).toBe(b.messageId);
    expect(a.messageId.startsWith(`${reply.backupRequestId}:store-status.received:`)).toBe(true);
    const failed = storeStatusMessage(
      parseInterfaceReply(JSON.stringify({ ...reply, resultTypeCode: 'Failed' })),
      'c',
    );
    expect(failed.messageId).not.toBe(a.messageId);
  });
});
