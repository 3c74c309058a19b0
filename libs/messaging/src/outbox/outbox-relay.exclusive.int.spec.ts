import { setTimeout as sleep } from 'node:timers/promises';
import { EVENT_TYPES, type EventType, type OutboxMessage } from '@linebacker/domain';
import { waitFor } from '@linebacker/testing';
import { AmqpMessageBus } from '../amqp/amqp-message-bus';
import { AmqpTestBroker, namesIn, rabbitmqctl } from '../testing/amqp-test-broker';
import { anyPayloadSchemas, contractSubscription } from '../testing/contract-harness';
import { InMemoryOutboxStore } from '../testing/in-memory-outbox-store';
import { OutboxRelay } from './outbox-relay';

jest.setTimeout(60_000);

let counter = 0;
const row = (type: EventType = EVENT_TYPES.received): OutboxMessage => ({
  messageId: `outbox-${process.pid}-${++counter}`,
  type,
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
  let setAside: { messageId: string; code: unknown }[];

  beforeEach(async () => {
    broker = await AmqpTestBroker.open('outbox');
    bus = new AmqpMessageBus({
      url: broker.url,
      namespace: broker.namespace,
      reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: 1000,
      payloadSchemas: anyPayloadSchemas(EVENT_TYPES.received, EVENT_TYPES.failed),
    });
    store = new InMemoryOutboxStore();
    received = [];
    setAside = [];
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
      onSetAside: (record, error) =>
        setAside.push({ messageId: record.messageId, code: (error as { code?: unknown }).code }),
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

  it('sets aside a row the broker returns as unroutable, and relays the rows after it', async () => {
    const before = store.add(...Array.from({ length: 30 }, () => row()));
    const [bad] = store.add(row(EVENT_TYPES.failed)); // nothing is bound to it here
    const after = store.add(...Array.from({ length: 30 }, () => row()));
    relay.start();
    await waitFor(() => store.sent.length === 60, 'every routable row marked sent', 20_000);
    expect(store.sent.map((r) => r.messageId)).toEqual(
      [...before, ...after].map((r) => r.messageId),
    );
    expect(setAside).toEqual([{ messageId: bad?.messageId, code: 'Unroutable' }]);
    expect((await store.backlog(new Date())).count).toBe(1);
    await waitFor(() => new Set(received).size === 60, 'every routable row consumed', 20_000);
  });
});
