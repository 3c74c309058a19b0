import { EnvelopeCodec } from '../envelope/envelope-codec';
import { HEADERS } from '../runner/message-headers';
import { deadLetterId, replayCopy, toDeadLetter } from './dead-letter-view';

const codec = new EnvelopeCodec();
const body = codec.encode(
  codec.toEnvelope({ messageId: 'm-9', type: 'unit.test', correlationId: 'c', payload: {} }, 4),
);
// What RabbitMQ attaches when a quorum queue dead-letters on its delivery limit (amqplib's
// decoding of the AMQP timestamp included).
const brokerHeaders = {
  'x-death': [
    {
      count: 1,
      reason: 'delivery_limit',
      queue: 'app.sub',
      time: { '!': 'timestamp', value: 1_700_000_000 },
      'routing-keys': ['unit.test'],
    },
  ],
  'x-delivery-count': 0,
};

describe('dead letter views', () => {
  it('explains a message the broker dead-lettered on its delivery limit', () => {
    expect(toDeadLetter(body, brokerHeaders, codec)).toMatchObject({
      errorCode: 'DeliveryLimitExceeded',
      reason: 'dead-lettered by the broker (delivery_limit) from app.sub',
      originalRoutingKey: 'unit.test',
      deadLetteredAt: '2023-11-14T22:13:20.000Z',
    });
  });

  it('gives the same id to the same dead letter every time it is read', () => {
    expect(deadLetterId(body, { ...brokerHeaders, 'x-delivery-count': 3 })).toBe(
      deadLetterId(body, brokerHeaders),
    );
    expect(deadLetterId(body, { [HEADERS.deadLetterId]: 'ours' })).toBe('ours');
  });

  it('replays with attempt 1, without death records, and with an audit trail', () => {
    const copy = replayCopy(body, { ...brokerHeaders, [HEADERS.replayCount]: 1 }, codec);
    expect(codec.decode(copy.body).attempt).toBe(1);
    expect(copy.headers).not.toHaveProperty('x-death');
    expect(copy.headers).toMatchObject({
      [HEADERS.replayCount]: 2,
      [HEADERS.lastErrorCode]: 'DeliveryLimitExceeded',
      [HEADERS.originalRoutingKey]: 'unit.test',
    });
    expect(Date.parse(String(copy.headers[HEADERS.replayedAt]))).not.toBeNaN();
  });

  it('replays an unparseable body unchanged', () => {
    const raw = Buffer.from('not json');
    expect(replayCopy(raw, { [HEADERS.errorCode]: 'InvalidMessage' }, codec).body).toBe(raw);
  });
});
