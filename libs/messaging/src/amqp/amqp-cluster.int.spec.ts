import { EVENT_TYPES, type OutboxMessage } from '@linebacker/domain';
import { RabbitMqCluster, waitFor } from '@linebacker/testing';
import { OutboxRelay } from '../outbox/outbox-relay';
import { anyPayloadSchemas, contractSubscription } from '../testing/contract-harness';
import { InMemoryOutboxStore } from '../testing/in-memory-outbox-store';
import { subscriptionQueueNames } from '../topology/topology-names';
import { AmqpMessageBus } from './amqp-message-bus';
import { nodeLabel } from './cluster-nodes';

// A private three-node cluster of separate OS processes: start-up alone takes a minute on
// a busy two-core machine, and a killed node needs as long again to come back.
jest.setTimeout(600_000);

const row = (n: number): OutboxMessage => ({
  messageId: `cluster-${n}`,
  type: EVENT_TYPES.received,
  correlationId: `cluster-${n}`,
  causationId: null,
  occurredAt: new Date(),
  payload: { n },
});

describe('AmqpMessageBus on a three-node RabbitMQ cluster', () => {
  let cluster: RabbitMqCluster | undefined;
  const namespace = `cluster-${process.pid}`;
  const definition = contractSubscription('cluster', [EVENT_TYPES.received], { prefetch: 20 });
  const mainQueue = subscriptionQueueNames(definition, namespace).main;
  const busConfig = (url: string) => ({
    url,
    namespace,
    reconnectInitialDelayMs: 100,
    reconnectMaxDelayMs: 1000,
    connectTimeoutMs: 3000,
    payloadSchemas: anyPayloadSchemas(EVENT_TYPES.received),
  });

  beforeAll(async () => {
    cluster = await RabbitMqCluster.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  /** Declares the queue once, and returns the node that leads it and the others. */
  async function leaderFirst(nodes: RabbitMqCluster): Promise<number[]> {
    const declaring = new AmqpMessageBus(busConfig(nodes.url));
    await declaring.start();
    await declaring.declare([definition]);
    await declaring.stop(1000);
    const queue = (await nodes.queues()).find((q) => q.name === mainQueue);
    expect(queue?.members).toHaveLength(3);
    const leader = nodes.nodes.findIndex((node) => node.name === queue?.leader);
    expect(leader).toBeGreaterThanOrEqual(0);
    return [leader, ...[0, 1, 2].filter((i) => i !== leader)];
  }

  it('keeps publishing and consuming while the node it uses, which leads the queue, is killed and restarted, losing nothing', async () => {
    const nodes = cluster as RabbitMqCluster;
    // The leader's URL first: the kill takes both our connection and the queue's leader.
    const order = await leaderFirst(nodes);
    const urls = order.map((i) => nodes.node(i).url);
    const connected: string[] = [];
    const bus = new AmqpMessageBus({
      ...busConfig(urls.join(',')),
      observer: {
        onConnectionChange: (state, _reason, node) => {
          if (state === 'connected' && node) connected.push(node);
        },
      },
    });
    const consumed = new Set<string>();
    await bus.subscribe(definition, async (envelope) => {
      consumed.add(envelope.messageId);
      return 'ok';
    });
    await bus.start();
    // The outbox relay is the production publisher: rows stay until confirmed.
    const store = new InMemoryOutboxStore();
    const relay = new OutboxRelay({
      store,
      bus,
      pollIntervalMs: 20,
      backoffInitialDelayMs: 50,
      backoffMaxDelayMs: 500,
    });
    relay.start();
    let produced = 0;
    const producer = setInterval(() => {
      store.add(row(++produced));
      relay.wake();
    }, 10);
    try {
      expect(connected).toEqual([nodeLabel(urls[0] ?? '')]);
      await waitFor(() => consumed.size >= 100, 'traffic before the kill', 60_000);
      const killed = nodes.node(order[0] as number);
      await killed.kill();
      const atKill = consumed.size;
      // The harness's whole-cluster wait (the chaos heal uses it) sees the node gone.
      await expect(nodes.awaitWhole(1_000)).rejects.toThrow(`${killed.name} sees not running`);
      await waitFor(() => connected.length >= 2, 'the move to another node', 60_000);
      expect(connected[1]).not.toBe(connected[0]);
      await waitFor(() => consumed.size >= atKill + 100, 'traffic with a node down', 120_000);

      await killed.restart();
      await nodes.awaitWhole();
      const atRestart = consumed.size;
      await waitFor(() => consumed.size >= atRestart + 100, 'traffic after the restart', 120_000);
      clearInterval(producer);
      await waitFor(() => store.sent.length === produced, 'every row confirmed', 120_000);
      // Lost messages show up below by id, rather than as a timeout here.
      await waitFor(() => consumed.size >= produced, 'every message consumed', 60_000).catch(
        () => undefined,
      );
      const missing = store.sent.filter((r) => !consumed.has(r.messageId)).map((r) => r.messageId);
      expect(missing).toEqual([]);
    } finally {
      clearInterval(producer);
      await relay.stop(1000);
      await bus.stop(1000);
    }
  });
});
