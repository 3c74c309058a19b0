import { PermanentError } from '@linebacker/domain';
import { applyQueuePolicy } from '@linebacker/testing';
import { AmqpTestBroker, namesIn } from '../testing/amqp-test-broker';
import {
  anyPayloadSchemas,
  contractMessage,
  contractSubscription,
} from '../testing/contract-harness';
import { waitFor } from '../testing/wait-for';
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
