import { describeMessageBusContract } from '../testing/message-bus.contract';
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
