import type { SubscriptionDefinition } from '../port/message-bus.port';
import { exportDefinitions } from './definitions';
import { assertSubscription, buildTopology } from './topology';
import { subscriptionQueueNames } from './topology-names';

const definition: SubscriptionDefinition = {
  app: 'check-allowed',
  name: 'backup-request.received',
  eventTypes: ['backup-request.received'],
  prefetch: 50,
  handlerTimeoutMs: 30_000,
  retry: { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 4000 },
};

describe('topology', () => {
  it('names queues <app>.<name> with .dlq and .retry.<delay> companions, under the namespace', () => {
    const names = subscriptionQueueNames(definition, 'ns1');
    expect(names.main).toBe('ns1.check-allowed.backup-request.received');
    expect(names.deadLetter).toBe('ns1.check-allowed.backup-request.received.dlq');
    expect(names.retry(2000)).toBe('ns1.check-allowed.backup-request.received.retry.2000');
  });

  it('declares quorum queues with a delivery limit and at-least-once dead-lettering by default', () => {
    const topology = buildTopology([definition], { deliveryLimit: 7 });
    expect(topology.exchanges).toEqual([{ name: 'linebacker.events', type: 'topic' }]);
    const main = topology.queues.find((q) => q.name === 'check-allowed.backup-request.received');
    expect(main?.arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 7,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'check-allowed.backup-request.received.dlq',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
    expect(topology.bindings).toEqual([
      { queue: main?.name, exchange: 'linebacker.events', routingKey: 'backup-request.received' },
    ]);
  });

  it('gives every delay level its own queue with a per-queue TTL that dead-letters back to the main queue', () => {
    const retries = buildTopology([definition], { queueType: 'classic' }).queues.filter((q) =>
      q.name.includes('.retry.'),
    );
    expect(retries.map((q) => q.arguments['x-message-ttl'])).toEqual([1000, 2000, 4000]);
    for (const q of retries)
      expect(q.arguments).toMatchObject({
        'x-queue-type': 'classic',
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'check-allowed.backup-request.received',
      });
    const main = buildTopology([definition], { queueType: 'classic' }).queues[1];
    expect(main?.arguments).not.toHaveProperty('x-delivery-limit');
  });

  it('gives every quorum queue the initial group size when one is set, and classic queues none', () => {
    const quorum = buildTopology([definition], { quorumInitialGroupSize: 3 }).queues;
    expect(quorum.map((q) => q.arguments['x-quorum-initial-group-size'])).toEqual(
      quorum.map(() => 3),
    );
    const unset = buildTopology([definition], {}).queues;
    for (const q of unset) expect(q.arguments).not.toHaveProperty('x-quorum-initial-group-size');
    const classic = buildTopology([definition], {
      queueType: 'classic',
      quorumInitialGroupSize: 3,
    });
    for (const q of classic.queues)
      expect(q.arguments).not.toHaveProperty('x-quorum-initial-group-size');
  });

  it('exports RabbitMQ definitions JSON for the broker', () => {
    const exported = exportDefinitions([definition, definition], {
      namespace: 'prod',
      vhost: 'lb',
    });
    expect(exported['exchanges']).toEqual([
      {
        name: 'prod.linebacker.events',
        vhost: 'lb',
        type: 'topic',
        durable: true,
        auto_delete: false,
        internal: false,
        arguments: {},
      },
    ]);
    expect(exported['queues']).toHaveLength(5); // dlq, main, three delay levels (deduplicated)
    expect(exported['bindings']).toEqual([
      {
        source: 'prod.linebacker.events',
        vhost: 'lb',
        destination: 'prod.check-allowed.backup-request.received',
        destination_type: 'queue',
        routing_key: 'backup-request.received',
        arguments: {},
      },
    ]);
  });

  it('rejects a malformed subscription with every problem named', () => {
    const bad = { ...definition, app: '', eventTypes: ['Bad Key'], prefetch: 0 };
    expect(() => assertSubscription(bad)).toThrow(/app and name.*invalid routing key.*prefetch/);
    expect(() =>
      assertSubscription({ ...definition, eventTypes: ['backup-request.*', '#'] }),
    ).not.toThrow();
  });
});
