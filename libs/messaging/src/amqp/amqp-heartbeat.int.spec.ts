import { waitFor } from '@linebacker/testing';
import type { MessageBusObserver, SubscriptionDefinition } from '../port/message-bus.port';
import {
  anyPayloadSchemas,
  contractMessage,
  contractSubscription,
} from '../testing/contract-harness';
import { AmqpTestBroker, namesIn } from '../testing/amqp-test-broker';
import { FreezableProxy } from '../testing/freezable-proxy';
import { AmqpMessageBus } from './amqp-message-bus';

jest.setTimeout(60_000);

describe('AmqpMessageBus on a connection that silently stops carrying bytes (RabbitMQ)', () => {
  let broker: AmqpTestBroker;
  let proxy: FreezableProxy;
  let bus: AmqpMessageBus;
  let definition: SubscriptionDefinition;
  let changes: Array<{ state: string; reason?: string }>;
  const consumed = new Set<string>();

  beforeEach(async () => {
    broker = await AmqpTestBroker.open('heartbeat');
    const target = new URL(broker.url);
    proxy = await FreezableProxy.start({
      host: target.hostname,
      port: Number(target.port || 5672),
    });
    const viaProxy = new URL(broker.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    changes = [];
    const observer: MessageBusObserver = {
      onConnectionChange: (state, reason) => changes.push({ state, reason }),
    };
    bus = new AmqpMessageBus({
      url: viaProxy.toString(),
      namespace: broker.namespace,
      connectionName: 'test-heartbeat',
      heartbeatSeconds: 1,
      reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: 500,
      payloadSchemas: anyPayloadSchemas('heartbeat.tick'),
      observer,
    });
    definition = contractSubscription('heartbeat', ['heartbeat.tick']);
    await bus.subscribe(definition, async (envelope) => {
      consumed.add(envelope.messageId);
      return 'ok';
    });
    await bus.start();
  });

  afterEach(async () => {
    await bus.stop(500);
    const names = namesIn(bus.exportDefinitions());
    await broker.deleteAll(names.queues, names.exchanges);
    await broker.close();
    await proxy.close();
  });

  it('notices the dead connection by missed heartbeats, reconnects and consumes again', async () => {
    const before = contractMessage('heartbeat.tick');
    await bus.publish(before);
    await waitFor(() => consumed.has(before.messageId), 'the first message');
    const connectionsBefore = proxy.connectionCount;

    proxy.freezeExisting();
    // Nothing closes the socket: only the missing heartbeats (1 s here) can reveal the loss.
    await waitFor(() => !bus.isReady(), 'readiness to drop', 15_000);
    expect(changes.find((c) => c.state === 'disconnected')?.reason).toMatch(/heartbeat/i);

    await waitFor(() => bus.isReady(), 'the bus to reconnect', 15_000);
    expect(proxy.connectionCount).toBeGreaterThan(connectionsBefore);
    expect(bus.stats().attachments['contract.heartbeat']).toBeGreaterThanOrEqual(2);
    const after = contractMessage('heartbeat.tick');
    await bus.publish(after);
    await waitFor(() => consumed.has(after.messageId), 'a message after the reconnect');
  });
});
