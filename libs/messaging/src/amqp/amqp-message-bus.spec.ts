import { settlesWithin } from '@linebacker/runtime';
import { waitFor } from '@linebacker/testing';
import type { DeliveryReport } from '../port/message-bus.port';
import { anyPayloadSchemas, contractSubscription } from '../testing/contract-harness';
import {
  fakeConnector,
  hangBroker,
  type FakeChannel,
  type FakeConnection,
} from '../testing/fake-amqp';
import { AmqpMessageBus, type AmqpMessageBusConfig } from './amqp-message-bus';
import { EnvelopeCodec } from '../envelope/envelope-codec';

const envelopeBody = (id: string) =>
  new EnvelopeCodec()
    .encode(
      new EnvelopeCodec().toEnvelope({
        messageId: id,
        type: 'unit.test',
        correlationId: 'c',
        payload: {},
      }),
    )
    .toString();

describe('AmqpMessageBus with a fake broker', () => {
  it('never acks a delivery whose channel died, on the old channel or the new one', async () => {
    const fake = fakeConnector(['ok']);
    const reports: DeliveryReport[] = [];
    const bus = new AmqpMessageBus(
      {
        url: 'amqp://fake',
        reconnectInitialDelayMs: 5,
        payloadSchemas: anyPayloadSchemas('unit.test'),
        observer: { onDelivery: (r) => reports.push(r) },
      },
      fake.connect,
    );
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe(contractSubscription('stale', ['unit.test']), async () => {
      await gate;
      return 'ok';
    });
    await bus.start();
    const first = fake.connections[0] as FakeConnection;
    const oldConsumer = first.channels.find((c) => c.consumer) as FakeChannel;
    oldConsumer.deliver(envelopeBody('m-1'), 1);
    first.drop(new Error('connection reset'));
    await waitFor(() => bus.isReady(), 'the reconnect');
    const newConsumer = (fake.connections[1] as FakeConnection).channels.find(
      (c) => c.consumer,
    ) as FakeChannel;
    release();
    await waitFor(() => reports.length === 1, 'the report');
    expect(reports[0]?.outcome).toBe('dropped');
    expect(oldConsumer.acked).toEqual([]);
    expect(newConsumer.acked).toEqual([]);
    expect(bus.stats()).toEqual({ reconnects: 1, attachments: { 'contract.stale': 2 } });
    await bus.stop(100);
  });

  it('subscribes through a connection lost mid-declare: declared and attached on the next', async () => {
    const fake = fakeConnector(['ok']);
    const bus = new AmqpMessageBus(
      {
        url: 'amqp://fake',
        reconnectInitialDelayMs: 5,
        payloadSchemas: anyPayloadSchemas('unit.test'),
      },
      fake.connect,
    );
    await bus.start();
    // The node goes away just as the instance declares its queue (chaos: node-stop at start-up).
    const first = fake.connections[0] as FakeConnection;
    first.createChannel = async () => {
      first.drop(new Error('write ECONNRESET'));
      throw new Error('Channel ended, no reply will be forthcoming');
    };
    await bus.subscribe(contractSubscription('late', ['unit.test']), async () => 'ok');
    await waitFor(() => bus.isReady(), 'the reconnect');
    const second = fake.connections[1] as FakeConnection;
    const consumer = second.channels.find((c) => c.consumer) as FakeChannel;
    const message = consumer.deliver(envelopeBody('m-3'), 1);
    await waitFor(() => consumer.acked.length === 1, 'the ack on the new connection');
    expect(consumer.acked[0]).toBe(message);
    await bus.stop(100);
  });

  it('still rejects a subscribe the broker refuses', async () => {
    const fake = fakeConnector(['ok']);
    const bus = new AmqpMessageBus(
      { url: 'amqp://fake', payloadSchemas: anyPayloadSchemas('unit.test') },
      fake.connect,
    );
    await bus.start();
    const refused = Object.assign(new Error('ACCESS_REFUSED - access to queue denied'), {
      code: 403,
    });
    const first = fake.connections[0] as FakeConnection;
    first.createChannel = async () => {
      throw refused;
    };
    await expect(
      bus.subscribe(contractSubscription('refused', ['unit.test']), async () => 'ok'),
    ).rejects.toMatchObject({ kind: 'permanent', code: 'BrokerMisconfigured' });
    await bus.stop(100);
  });

  it('stops within its deadline when the broker answers neither the cancel nor the close', async () => {
    const fake = fakeConnector(['ok']);
    const bus = new AmqpMessageBus(
      { url: 'amqp://fake', payloadSchemas: anyPayloadSchemas('unit.test') },
      fake.connect,
    );
    await bus.subscribe(contractSubscription('hung', ['unit.test']), async () => 'ok');
    await bus.start();
    hangBroker(fake.connections[0] as FakeConnection);
    expect(await settlesWithin(bus.stop(200), 1_000)).toBe(true);
  });

  it('acks a delivery on its own channel after the handler succeeds', async () => {
    const fake = fakeConnector(['ok']);
    const bus = new AmqpMessageBus(
      { url: 'amqp://fake', payloadSchemas: anyPayloadSchemas('unit.test') },
      fake.connect,
    );
    await bus.subscribe(contractSubscription('live', ['unit.test']), async () => 'ok');
    await bus.start();
    const consumer = (fake.connections[0] as FakeConnection).channels.find(
      (c) => c.consumer,
    ) as FakeChannel;
    const message = consumer.deliver(envelopeBody('m-2'), 7);
    await waitFor(() => consumer.acked.length === 1, 'the ack');
    expect(consumer.acked[0]).toBe(message);
    await bus.stop(100);
  });

  it('only checks the events exchange, passively, when it may not declare it', async () => {
    const fake = fakeConnector(['ok']);
    const bus = new AmqpMessageBus(
      {
        url: 'amqp://fake',
        declareExchange: false,
        payloadSchemas: anyPayloadSchemas('unit.test'),
      },
      fake.connect,
    );
    await bus.subscribe(contractSubscription('tenant', ['unit.test']), async () => 'ok');
    await bus.start();
    const channels = (fake.connections[0] as FakeConnection).channels;
    expect(channels.flatMap((c) => c.exchangesChecked)).toContain('linebacker.events');
    expect(channels.flatMap((c) => c.exchangesDeclared)).toEqual([]);
    await bus.stop(100);
  });

  it('declares the events exchange by default', async () => {
    const fake = fakeConnector(['ok']);
    const bus = new AmqpMessageBus({ url: 'amqp://fake' }, fake.connect);
    await bus.start();
    const channels = (fake.connections[0] as FakeConnection).channels;
    expect(channels.flatMap((c) => c.exchangesDeclared)).toEqual(['linebacker.events']);
    await bus.stop(100);
  });

  it('declares quorum queues with 3 replicas when given three or more nodes, unless told otherwise', () => {
    const groupSizes = (config: Partial<AmqpMessageBusConfig> & { url: string }) => {
      const bus = new AmqpMessageBus(config, fakeConnector(['ok']).connect);
      const queues = bus.exportDefinitions([contractSubscription('sized', ['unit.test'])])[
        'queues'
      ] as Array<{ arguments: Record<string, unknown> }>;
      return [...new Set(queues.map((q) => q.arguments['x-quorum-initial-group-size']))];
    };
    const three = 'amqp://a:5701,amqp://b:5702,amqp://c:5703';
    expect(groupSizes({ url: three })).toEqual([3]);
    expect(groupSizes({ url: 'amqp://a:5701,amqp://b:5702' })).toEqual([undefined]);
    expect(groupSizes({ url: 'amqp://a:5701' })).toEqual([undefined]);
    expect(groupSizes({ url: three, quorumGroupSize: 'none' })).toEqual([undefined]);
    expect(groupSizes({ url: 'amqp://a:5701', quorumGroupSize: 5 })).toEqual([5]);
    expect(groupSizes({ url: three, queueType: 'classic' })).toEqual([undefined]);
  });
});
