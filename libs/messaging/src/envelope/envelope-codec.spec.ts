import { EnvelopeCodec } from './envelope-codec';

const outgoing = {
  messageId: 'm-1',
  type: 'backup-request.allowed',
  correlationId: 'c-1',
  payload: { backupRequestId: 'r-1' },
};

describe('EnvelopeCodec', () => {
  const codec = new EnvelopeCodec({
    'backup-request.allowed': { type: 'object', required: ['backupRequestId'] },
    'backup-request.allowed@2': { type: 'object', required: ['v2'] },
  });

  it('fills the envelope defaults and round-trips through the wire', () => {
    const envelope = codec.toEnvelope({
      ...outgoing,
      occurredAt: new Date('2024-02-29T12:00:00Z'),
    });
    expect(envelope).toEqual({
      envelopeVersion: 1,
      messageId: 'm-1',
      type: 'backup-request.allowed',
      typeVersion: 1,
      correlationId: 'c-1',
      causationId: null,
      occurredAt: '2024-02-29T12:00:00.000Z',
      attempt: 1,
      payload: { backupRequestId: 'r-1' },
    });
    expect(codec.decode(codec.encode(envelope))).toEqual(envelope);
  });

  it('rejects unknown fields, a bad date, a zero attempt and a non-JSON body, naming the problem', () => {
    const envelope = codec.toEnvelope(outgoing);
    const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
    expect(() => codec.decode(bytes({ ...envelope, extra: 1 }))).toThrow(/additional properties/);
    expect(() => codec.decode(bytes({ ...envelope, occurredAt: 'yesterday' }))).toThrow(
      /occurredAt/,
    );
    expect(() => codec.decode(bytes({ ...envelope, attempt: 0 }))).toThrow(/attempt/);
    expect(() => codec.decode(Buffer.from('{'))).toThrow(/not JSON/);
  });

  it('checks a registered payload schema, the versioned key winning over the plain one', () => {
    expect(() => codec.toEnvelope({ ...outgoing, payload: {} })).toThrow(/backupRequestId/);
    expect(() => codec.toEnvelope({ ...outgoing, typeVersion: 2 })).toThrow(/v2/);
    expect(
      codec.toEnvelope({ ...outgoing, typeVersion: 2, payload: { v2: true } }).typeVersion,
    ).toBe(2);
  });

  it('throws a permanent InvalidMessage error', () => {
    expect(() => codec.decode(Buffer.from('[]'))).toThrow(
      expect.objectContaining({ code: 'InvalidMessage', kind: 'permanent' }),
    );
  });
});
