import { waitFor } from '@linebacker/testing';
import { describeMessageBusContract } from '../testing/message-bus.contract';
import {
  anyPayloadSchemas,
  contractMessage,
  contractSubscription,
} from '../testing/contract-harness';
import { subscriptionQueueNames } from '../topology/topology-names';
import type { MessageBusObserver } from '../port/message-bus.port';
import { InMemoryBroker } from './in-memory-broker';
import { InMemoryMessageBus } from './in-memory-message-bus';

describeMessageBusContract('InMemoryMessageBus', async ({ observer, payloadSchemas }) => {
  const broker = new InMemoryBroker();
  const namespace = 'contract';
  const buses: InMemoryMessageBus[] = [];
  const make = (obs?: MessageBusObserver) => {
    const bus = new InMemoryMessageBus({
      broker,
      namespace,
      observer: obs ?? observer,
      payloadSchemas,
    });
    buses.push(bus);
    return bus;
  };
  return {
    bus: make(),
    newBus: make,
    injectRaw: async (definition, body) =>
      broker.publish('', subscriptionQueueNames(definition, namespace).main, body, {}),
    queueDepth: async (definition) =>
      broker.queue(subscriptionQueueNames(definition, namespace).main).ready.length,
    cleanup: async () => {
      for (const bus of buses) await bus.stop(100);
      broker.shutdown();
    },
  };
});

describe('InMemoryMessageBus outage simulation', () => {
  it('rejects publishes during an outage and redelivers what was in flight once it ends', async () => {
    const bus = new InMemoryMessageBus({ payloadSchemas: anyPayloadSchemas('o.t') });
    const seen: boolean[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const subscription = await bus.subscribe(
      contractSubscription('outage', ['o.t']),
      async (_e, ctx) => {
        seen.push(ctx.redelivered);
        if (seen.length === 1) await gate;
        return 'ok';
      },
    );
    await bus.start();
    await bus.publish(contractMessage('o.t'));
    await waitFor(() => seen.length === 1, 'the first delivery');
    bus.simulateOutage();
    expect(bus.isReady()).toBe(false);
    await expect(bus.publish(contractMessage('o.t'))).rejects.toMatchObject({
      kind: 'unavailable',
    });
    release();
    bus.endOutage();
    await waitFor(() => seen.length === 2, 'the redelivery');
    expect(seen).toEqual([false, true]);
    expect(bus.stats()).toEqual({ reconnects: 1, attachments: { 'contract.outage': 2 } });
    expect(subscription.consumerCount()).toBe(1);
    await bus.stop(100);
  });
});
