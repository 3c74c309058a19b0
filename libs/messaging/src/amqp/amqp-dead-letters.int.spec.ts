import { connect } from 'amqplib';
import { PermanentError } from '@linebacker/domain';
import { applyQueuePolicy, waitFor } from '@linebacker/testing';
import { DEAD_LETTER_REFRESH_AT } from '../dead-letters/fresh-copy';
import { AmqpTestBroker, namesIn } from '../testing/amqp-test-broker';
import {
  anyPayloadSchemas,
  contractMessage,
  contractSubscription,
} from '../testing/contract-harness';
import { subscriptionQueueNames } from '../topology/topology-names';
import { AmqpMessageBus } from './amqp-message-bus';

jest.setTimeout(60_000);

describe('AmqpDeadLetters on RabbitMQ quorum queues', () => {
  let broker: AmqpTestBroker;
  let bus: AmqpMessageBus;

  beforeEach(async () => {
    broker = await AmqpTestBroker.open('deadletters');
    bus = new AmqpMessageBus({
      url: broker.url,
      namespace: broker.namespace,
      payloadSchemas: anyPayloadSchemas('dlq.inspected'),
    });
    await bus.start();
  });

  afterEach(async () => {
    await bus.stop(500);
    const names = namesIn(bus.exportDefinitions());
    await broker.deleteAll(names.queues, names.exchanges);
    await broker.close();
  });

  it('keeps the view of a letter the broker dead-lettered through its fresh copy', async () => {
    const def = contractSubscription('by-broker', ['dlq.inspected']);
    const limited = new AmqpMessageBus({
      url: broker.url,
      namespace: broker.namespace,
      deliveryLimit: 1,
      payloadSchemas: anyPayloadSchemas('dlq.inspected'),
    });
    await limited.start();
    await limited.declare([def]);
    await limited.publish(contractMessage('dlq.inspected'));
    await limited.stop(500);
    // Two returns of the main queue's message: past its limit of 1, the broker dead-letters it.
    const connection = await connect(broker.url);
    for (let n = 0; n < 2; n++) {
      const channel = await connection.createChannel();
      const message = await channel.get(subscriptionQueueNames(def, broker.namespace).main);
      if (message) channel.nack(message, false, true);
      await channel.close();
    }
    await connection.close();
    await waitFor(async () => (await bus.deadLetters.depth(def)) === 1, 'the dead letter');
    const views: unknown[] = [];
    const counts: number[] = [];
    for (let n = 0; n < 8; n++) {
      const [letter] = await bus.deadLetters.list(def, 10);
      const { headers, ...view } = letter ?? { headers: {} };
      expect(headers).toHaveProperty('x-death');
      views.push(view);
      counts.push(Number(headers['x-delivery-count'] ?? 0));
    }
    // Eight listings, yet the broker never counts more than five returns of one message:
    // the listing that found five replaced the letter by a fresh copy, which reads the same.
    expect(Math.max(...counts)).toBeLessThanOrEqual(DEAD_LETTER_REFRESH_AT);
    expect(new Set(views.map((v) => JSON.stringify(v))).size).toBe(1);
    expect(views[0]).toMatchObject({ errorCode: 'DeliveryLimitExceeded' });
    await broker.deleteAll(namesIn(limited.exportDefinitions()).queues, []);
  });

  it('keeps a dead letter, unchanged, through 30 inspections under a delivery limit of 20', async () => {
    const def = contractSubscription('inspected', ['dlq.inspected']);
    await bus.subscribe(def, async () => {
      throw new PermanentError('Broken', 'always \u001b[31mred\u001b[0m');
    });
    await bus.publish(contractMessage('dlq.inspected', { n: 1 }));
    await waitFor(async () => (await bus.deadLetters.depth(def)) === 1, 'the dead letter');
    // RabbitMQ 4.0+ gives every quorum queue a delivery limit of 20, and before 4.3 each
    // inspection's return counts: give this DLQ that limit by policy on the local broker.
    const dlq = subscriptionQueueNames(def, broker.namespace).deadLetter;
    const clearPolicy = await applyQueuePolicy(
      broker.namespace,
      '.*\\.dlq$',
      { 'delivery-limit': 20 },
      dlq,
    );
    try {
      const [first] = await bus.deadLetters.list(def, 10);
      const { headers: _headers, ...view } = first ?? { headers: null };
      for (let n = 0; n < 30; n++) {
        const seen = await bus.deadLetters.inspect(def, first?.id ?? '');
        const { headers: _h, ...again } = seen ?? { headers: null };
        expect([n, again]).toEqual([n, view]);
      }
      expect(await bus.deadLetters.depth(def)).toBe(1);
    } finally {
      await clearPolicy();
    }
  });
});
