import { describe, expect, it } from '@jest/globals';
import { createLogger, createServiceMetrics, startHealthServer } from '@linebacker/runtime';
import { capturedLines } from '@linebacker/testing';
import { workerHealthDetails } from '../run-pipeline-service';
import { replyQueueObserver } from '../workers/interface-receiver.worker';
import { busObserver, reconnectCounter } from './bus-observer';

function capture() {
  const { lines, stream } = capturedLines();
  return {
    lines,
    logger: createLogger({ service: 'test', stream }),
    metrics: createServiceMetrics('test'),
  };
}

type Metrics = ReturnType<typeof createServiceMetrics>;

const series = async (metrics: Metrics, name: string) => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []) as Array<{ labels: Record<string, unknown>; value: number }>;
};

describe('the broker node a connection is on', () => {
  it('is kept per connection, and a reconnect to another node counts as a failover', async () => {
    const { logger, metrics } = capture();
    const events = busObserver(logger, metrics);
    events.onConnectionChange?.('connected', undefined, 'rabbitmq:5672');
    expect(metrics.brokerConnections()).toEqual({
      events: { node: 'rabbitmq:5672', lastNode: null, reconnects: 0, failovers: 0 },
    });
    // The same node again (a restart of the node): a reconnect, not a failover.
    events.onConnectionChange?.('disconnected', 'lost', 'rabbitmq:5672');
    expect(metrics.brokerConnections()['events']).toEqual({
      node: null,
      lastNode: 'rabbitmq:5672',
      reconnects: 0,
      failovers: 0,
    });
    events.onConnectionChange?.('connected', undefined, 'rabbitmq:5672');
    // The node died: the next node of the list.
    events.onConnectionChange?.('disconnected', 'lost', 'rabbitmq:5672');
    events.onConnectionChange?.('connected', undefined, 'rabbitmq-2:5672');
    expect(metrics.brokerConnections()['events']).toEqual({
      node: 'rabbitmq-2:5672',
      lastNode: null,
      reconnects: 2,
      failovers: 1,
    });
    expect(await series(metrics, 'linebacker_broker_failovers_total')).toEqual([
      { labels: { connection: 'events', service: 'test' }, value: 1 },
    ]);
    expect(await series(metrics, 'linebacker_broker_reconnects_total')).toEqual([
      { labels: { connection: 'events', service: 'test' }, value: 2 },
    ]);
    expect(await series(metrics, 'linebacker_broker_node')).toEqual([
      { labels: { connection: 'events', node: 'rabbitmq-2:5672', service: 'test' }, value: 1 },
    ]);
  });

  it('has no node series while disconnected', async () => {
    const { logger, metrics } = capture();
    const events = busObserver(logger, metrics, () => true);
    events.onConnectionChange?.('connected', undefined, 'rabbitmq:5672');
    events.onConnectionChange?.('disconnected', 'stopped', 'rabbitmq:5672');
    expect(await series(metrics, 'linebacker_broker_node')).toEqual([]);
  });

  it('is tracked for the interface connections too, under their own name', () => {
    const { lines, logger, metrics } = capture();
    const sender = reconnectCounter(logger, metrics, 'interface');
    sender.onConnectionChange?.('connected', undefined, 'mq-1:5672');
    sender.onConnectionChange?.('disconnected', 'lost', 'mq-1:5672');
    sender.onConnectionChange?.('connected', undefined, 'mq-3:5672');
    expect(metrics.brokerConnections()['interface']).toMatchObject({
      node: 'mq-3:5672',
      reconnects: 1,
      failovers: 1,
    });
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'interface broker reconnected', node: 'mq-3:5672' }),
    );

    const other = capture();
    const replies = replyQueueObserver(other.logger, other.metrics);
    replies.onConnectionChange?.('connected', undefined, 'mq-2:5672');
    expect(other.metrics.brokerConnections()).toEqual({
      interface: { node: 'mq-2:5672', lastNode: null, reconnects: 0, failovers: 0 },
    });
  });

  it("is named by a worker's healthz, without credentials", async () => {
    const { logger, metrics } = capture();
    busObserver(logger, metrics).onConnectionChange?.('connected', undefined, 'rabbitmq-3:5672');
    const server = await startHealthServer(0, '127.0.0.1', {
      ready: () => true,
      details: () => Promise.resolve(workerHealthDetails('notifier', Date.now() - 5000, metrics)),
      registry: metrics.registry,
    });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        ready: true,
        service: 'notifier',
        uptimeSeconds: 5,
        brokerConnections: {
          events: { node: 'rabbitmq-3:5672', lastNode: null, reconnects: 0, failovers: 0 },
        },
      });
      const scrape = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(scrape).toMatch(
        /linebacker_broker_node\{connection="events",node="rabbitmq-3:5672",service="test"\} 1/,
      );
    } finally {
      await server.close();
    }
  });
});
