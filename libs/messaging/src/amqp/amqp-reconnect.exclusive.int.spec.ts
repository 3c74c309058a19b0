import { setTimeout as sleep } from 'node:timers/promises';
import { errorKindOf } from '@linebacker/domain';
import { waitFor } from '@linebacker/testing';
import type { MessageBusObserver, SubscriptionDefinition } from '../port/message-bus.port';
import {
  anyPayloadSchemas,
  contractMessage,
  contractSubscription,
} from '../testing/contract-harness';
import {
  AmqpTestBroker,
  consumersByQueue,
  namesIn,
  rabbitmqctl,
} from '../testing/amqp-test-broker';
import { subscriptionQueueNames } from '../topology/topology-names';
import { AmqpMessageBus } from './amqp-message-bus';

jest.setTimeout(90_000);

type ChannelError = { channel: string; message: string; code?: number };

/** Publishes `total` messages in chunks, retrying a chunk while the broker is unavailable. */
async function publishThroughOutages(bus: AmqpMessageBus, total: number, confirmed: Set<string>) {
  const messages = Array.from({ length: total }, (_, n) => contractMessage('load.tick', { n }));
  for (let i = 0; i < messages.length; i += 20) {
    const chunk = messages.slice(i, i + 20);
    for (;;) {
      try {
        await bus.publishBatch(chunk);
        chunk.forEach((m) => confirmed.add(m.messageId));
        break;
      } catch (error) {
        if (errorKindOf(error) === 'permanent') throw error;
        await sleep(50); // what the outbox relay does: keep the rows, try again shortly
      }
    }
    await sleep(5);
  }
}

describe('AmqpMessageBus across connection loss (RabbitMQ)', () => {
  let broker: AmqpTestBroker;
  let publisher: AmqpMessageBus;
  let consumer: AmqpMessageBus;
  let definition: SubscriptionDefinition;
  let channelErrors: ChannelError[];
  let consumed: Map<string, number>;

  beforeEach(async () => {
    broker = await AmqpTestBroker.open('reconnect');
    channelErrors = [];
    consumed = new Map();
    const observer: MessageBusObserver = {
      onChannelError: (channel, message, code) => channelErrors.push({ channel, message, code }),
    };
    const config = {
      url: broker.url,
      namespace: broker.namespace,
      observer,
      reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: 1000,
      heartbeatSeconds: 5,
      payloadSchemas: anyPayloadSchemas('load.tick'),
    };
    publisher = new AmqpMessageBus({ ...config, connectionName: 'test-publisher' });
    consumer = new AmqpMessageBus({ ...config, connectionName: 'test-consumer' });
    definition = contractSubscription('load', ['load.tick'], { prefetch: 20 });
    await consumer.subscribe(definition, async (envelope) => {
      // Keep deliveries in flight when the connection drops; some outlive the reconnect, so
      // their late ack would land on the NEW channel if the runner did not track channels.
      await sleep(Number(envelope.payload['n']) % 25 === 0 ? 600 : 2);
      consumed.set(envelope.messageId, (consumed.get(envelope.messageId) ?? 0) + 1);
      return 'ok';
    });
    await consumer.start();
    await publisher.start();
  });

  afterEach(async () => {
    await rabbitmqctl('start_app').catch(() => undefined); // never leave the broker stopped
    await rabbitmqctl('await_startup').catch(() => undefined);
    await publisher.stop(500);
    await consumer.stop(500);
    const names = namesIn(consumer.exportDefinitions());
    await broker.deleteAll(names.queues, names.exchanges);
    await broker.close();
  });

  const expectEverythingConsumedAndReattached = async (confirmed: Set<string>) => {
    await waitFor(
      () => [...confirmed].every((id) => consumed.has(id)),
      'every confirmed message',
      30_000,
    );
    await waitFor(() => consumer.isReady() && publisher.isReady(), 'both buses ready', 15_000);
    expect(consumer.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(consumer.stats().attachments['contract.load']).toBeGreaterThanOrEqual(2);
    const main = subscriptionQueueNames(definition, broker.namespace).main;
    expect((await consumersByQueue(broker.namespace))[main]).toBe(1);
    // A stale ack would close the channel with 406 PRECONDITION_FAILED (unknown delivery tag).
    expect(channelErrors.filter((e) => e.code === 406)).toEqual([]);
  };

  it('loses no confirmed message when every connection is closed mid-flight', async () => {
    const confirmed = new Set<string>();
    const load = publishThroughOutages(publisher, 600, confirmed);
    await waitFor(() => consumed.size > 100, 'consumption under way');
    await rabbitmqctl('close_all_connections', 'test: connection cut');
    await waitFor(() => consumed.size > 300, 'consumption after the first cut', 30_000);
    await rabbitmqctl('close_all_connections', 'test: second cut');
    await load;
    await expectEverythingConsumedAndReattached(confirmed);
  });

  it('loses no confirmed message across a broker stop_app / start_app', async () => {
    const confirmed = new Set<string>();
    const load = publishThroughOutages(publisher, 600, confirmed);
    await waitFor(() => consumed.size > 100, 'consumption under way');
    try {
      await rabbitmqctl('stop_app');
      await waitFor(() => !consumer.isReady() && !publisher.isReady(), 'both buses to notice');
      await expect(publisher.publish(contractMessage('load.tick'))).rejects.toMatchObject({
        kind: 'unavailable',
      });
      await sleep(500);
    } finally {
      await rabbitmqctl('start_app');
    }
    await load;
    await expectEverythingConsumedAndReattached(confirmed);
  });
});
