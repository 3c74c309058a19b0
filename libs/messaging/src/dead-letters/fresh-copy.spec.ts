import { EnvelopeCodec } from '../envelope/envelope-codec';
import { HEADERS } from '../runner/message-headers';
import { toDeadLetter } from './dead-letter-view';
import { DEAD_LETTER_REFRESH_AT, freshCopyHeaders, isWorn } from './fresh-copy';

const codec = new EnvelopeCodec();
const body = codec.encode(
  codec.toEnvelope({ messageId: 'm-1', type: 'unit.test', correlationId: 'c', payload: {} }),
);
// A message the broker dead-lettered on the main queue's delivery limit, then counted
// returns of in the DLQ.
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
  'x-delivery-count': DEAD_LETTER_REFRESH_AT,
  'x-acquired-count': DEAD_LETTER_REFRESH_AT,
};

describe('fresh copies of dead letters', () => {
  it('calls a dead letter worn once the broker counted DEAD_LETTER_REFRESH_AT returns', () => {
    expect(isWorn({})).toBe(false);
    expect(isWorn({ 'x-delivery-count': DEAD_LETTER_REFRESH_AT - 1 })).toBe(false);
    expect(isWorn({ 'x-delivery-count': DEAD_LETTER_REFRESH_AT })).toBe(true);
    expect(DEAD_LETTER_REFRESH_AT).toBeLessThan(20); // RabbitMQ 4.0's default delivery limit
  });

  it('starts the counters at zero and reads the same to an operator, death record or not', () => {
    const copy = freshCopyHeaders(body, brokerHeaders, codec);
    expect(copy).not.toHaveProperty('x-delivery-count');
    expect(copy).not.toHaveProperty('x-acquired-count');
    const { headers: _original, ...view } = toDeadLetter(body, brokerHeaders, codec);
    const withoutDeath = { ...copy };
    delete withoutDeath['x-death'];
    for (const headers of [copy, withoutDeath])
      expect(toDeadLetter(body, headers, codec)).toMatchObject(view);
    expect(view).toMatchObject({ errorCode: 'DeliveryLimitExceeded' });
  });

  it('keeps every header of a dead letter linebacker wrote, its own reason included', () => {
    const ours = {
      [HEADERS.deadLetterId]: 'dl-1',
      [HEADERS.errorCode]: 'UnexpectedType',
      [HEADERS.reason]: 'type a.b is not one of x.y',
      [HEADERS.originalRoutingKey]: 'a.b',
      [HEADERS.deadLetteredAt]: '2026-01-01T00:00:00.000Z',
      'x-custom': 'kept',
      'x-delivery-count': 9,
    };
    const { 'x-delivery-count': _count, ...expected } = ours;
    expect(freshCopyHeaders(body, ours, codec)).toEqual(expected);
  });
});
