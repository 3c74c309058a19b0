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

  it('takes an RFC 3339 occurredAt with any offset and rejects out-of-range fields', () => {
    const envelope = codec.toEnvelope(outgoing);
    const decodes = (occurredAt: string) => {
      try {
        codec.decode(Buffer.from(JSON.stringify({ ...envelope, occurredAt })));
        return true;
      } catch {
        return false;
      }
    };
    for (const good of [
      '2024-02-29T12:00:00Z',
      '2024-02-29T12:00:00.123456+01:00',
      '2024-12-31t23:59:60-0930',
      '2024-01-01 00:00:00z',
    ])
      expect([good, decodes(good)]).toEqual([good, true]);
    for (const bad of [
      '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-32T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:60:00Z',
      '2024-01-01T00:00:00',
      '2024-01-01',
      '2024-01-01T00:00:00Z\n',
    ])
      expect([bad, decodes(bad)]).toEqual([bad, false]);
  });

  it('checks a registered payload schema, the versioned key winning over the plain one', () => {
    expect(() => codec.toEnvelope({ ...outgoing, payload: {} })).toThrow(/backupRequestId/);
    expect(() => codec.toEnvelope({ ...outgoing, typeVersion: 2 })).toThrow(/v2/);
    expect(
      codec.toEnvelope({ ...outgoing, typeVersion: 2, payload: { v2: true } }).typeVersion,
    ).toBe(2);
  });

  it('parses the envelope apart from the payload, and says which types have a schema', () => {
    const bad = { ...codec.toEnvelope(outgoing), payload: { other: 1 } };
    const parsed = codec.parseEnvelope(Buffer.from(JSON.stringify(bad)));
    expect(parsed).toEqual(bad);
    expect(() => codec.validatePayload(parsed)).toThrow(/backupRequestId/);
    expect(() => codec.parseEnvelope(Buffer.from('{"payload":{}}'))).toThrow(/invalid envelope/);
    expect(codec.hasPayloadSchema('backup-request.allowed', 7)).toBe(true);
    expect(codec.hasPayloadSchema('backup-request.sent', 1)).toBe(false);
    expect(new EnvelopeCodec({ 'a.b@2': {} }).hasPayloadSchema('a.b', 1)).toBe(false);
    expect(codec.schemaTypes()).toEqual(['backup-request.allowed']);
  });

  it('throws a permanent InvalidMessage error', () => {
    expect(() => codec.decode(Buffer.from('[]'))).toThrow(
      expect.objectContaining({ code: 'InvalidMessage', kind: 'permanent' }),
    );
  });
});
