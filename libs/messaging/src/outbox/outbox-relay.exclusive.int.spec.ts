import { setTimeout as sleep } from 'node:timers/promises';
import { EVENT_TYPES, type OutboxMessage } from '@linebacker/domain';
import { waitFor } from '@linebacker/testing';
import { AmqpMessageBus } from '../amqp/amqp-message-bus';
import { AmqpTestBroker, namesIn, rabbitmqctl } from '../testing/amqp-test-broker';
import { anyPayloadSchemas, contractSubscription } from '../testing/contract-harness';
import { InMemoryOutboxStore } from '../testing/in-memory-outbox-store';
import { OutboxRelay } from './outbox-relay';

jest.setTimeout(60_000);

let counter = 0;
const row = (): OutboxMessage => ({
  messageId: `outbox-${process.pid}-${++counter}`,
  type: EVENT_TYPES.received,
  correlationId: 'corr',
  causationId: null,
  occurredAt: new Date(),
  payload: { n: counter },
});

describe('OutboxRelay on RabbitMQ', () => {
  let broker: AmqpTestBroker;
  let bus: AmqpMessageBus;
  let store: InMemoryOutboxStore;
  let relay: OutboxRelay;
  let received: string[];

  beforeEach(async () => {
    broker = await AmqpTestBroker.open('outbox');
    bus = new AmqpMessageBus({
      url: broker.url,
      namespace: broker.namespace,
      reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: 1000,
      payloadSchemas: anyPayloadSchemas(EVENT_TYPES.received),
    });
    store = new InMemoryOutboxStore();
    received = [];
    const def = contractSubscription('outbox', [EVENT_TYPES.received], { prefetch: 1 });
    await bus.subscribe(def, async (envelope) => {
      received.push(envelope.messageId);
      return 'ok';
    });
    await bus.start();
    relay = new OutboxRelay({
      store,
      bus,
      batchSize: 50,
      pollIntervalMs: 200,
      backoffInitialDelayMs: 50,
      backoffMaxDelayMs: 500,
    });
  });

  afterEach(async () => {
    await rabbitmqctl('start_app').catch(() => undefined);
    await rabbitmqctl('await_startup').catch(() => undefined);
    await relay.stop(1000);
    await bus.stop(500);
    const names = namesIn(bus.exportDefinitions());
    await broker.deleteAll(names.queues, names.exchanges);
    await broker.close();
  });

  it('publishes committed rows in sequence order', async () => {
    const rows = store.add(...Array.from({ length: 400 }, () => row()));
    relay.start();
    await waitFor(() => received.length === 400, 'every row consumed', 20_000);
    expect(received).toEqual(rows.map((r) => r.messageId));
  });

  it('delivers every row across a broker stop_app / start_app', async () => {
    relay.start();
    const writer = (async () => {
      for (let i = 0; i < 40; i++) {
        store.add(...Array.from({ length: 10 }, () => row()));
        relay.wake();
        await sleep(25);
      }
    })();
    await waitFor(() => received.length > 50, 'relaying under way');
    try {
      await rabbitmqctl('stop_app');
      await sleep(500);
    } finally {
      await rabbitmqctl('start_app');
    }
    await writer;
    await waitFor(() => store.sent.length === 400, 'every row marked sent', 30_000);
    await waitFor(() => new Set(received).size === 400, 'every row consumed', 30_000);
    expect((await store.backlog(new Date())).count).toBe(0);
  });
});
