import { describeMessageBusContract } from '../testing/message-bus.contract';
import { AmqpTestBroker, namesIn } from '../testing/amqp-test-broker';
import { subscriptionQueueNames } from '../topology/topology-names';
import type { MessageBusObserver } from '../port/message-bus.port';
import { AmqpMessageBus } from './amqp-message-bus';

jest.setTimeout(30_000);

describeMessageBusContract('AmqpMessageBus (RabbitMQ, quorum queues)', async (options) => {
  const broker = await AmqpTestBroker.open('contract');
  const { namespace } = broker;
  const buses: AmqpMessageBus[] = [];
  const make = (observer?: MessageBusObserver) => {
    const bus = new AmqpMessageBus({
      url: broker.url,
      namespace,
      observer: observer ?? options.observer,
      payloadSchemas: options.payloadSchemas,
      reconnectInitialDelayMs: 50,
    });
    buses.push(bus);
    return bus;
  };
  return {
    bus: make(),
    newBus: make,
    injectRaw: (definition, body) =>
      broker.inject(subscriptionQueueNames(definition, namespace).main, body),
    queueDepth: (definition) => broker.depth(subscriptionQueueNames(definition, namespace).main),
    cleanup: async () => {
      const queues = new Set<string>();
      const exchanges = new Set<string>();
      for (const bus of buses) {
        await bus.stop(100);
        const names = namesIn(bus.exportDefinitions());
        names.queues.forEach((q) => queues.add(q));
        names.exchanges.forEach((e) => exchanges.add(e));
      }
      await broker.deleteAll([...queues], [...exchanges]);
      await broker.close();
    },
  };
});
