import type { SubscriptionDefinition } from '../port/message-bus.port';
import { buildTopology, type Topology, type TopologyOptions } from './topology';

/** RabbitMQ definitions sections (`exchanges`, `queues`, `bindings`, …) as plain JSON. */
export type Definitions = Record<string, unknown[]>;

/** A topology as the exchanges, queues and bindings sections of RabbitMQ definitions. */
export function definitionsOf(topology: Topology, vhost: string): Definitions {
  return {
    exchanges: topology.exchanges.map((e) => ({
      name: e.name,
      vhost,
      type: e.type,
      durable: true,
      auto_delete: false,
      internal: false,
      arguments: {},
    })),
    queues: topology.queues.map((q) => ({
      name: q.name,
      vhost,
      durable: true,
      auto_delete: false,
      arguments: q.arguments,
    })),
    bindings: topology.bindings.map((b) => ({
      source: b.exchange,
      vhost,
      destination: b.queue,
      destination_type: 'queue',
      routing_key: b.routingKey,
      arguments: {},
    })),
  };
}

/** RabbitMQ definitions JSON (importable via `rabbitmqctl import_definitions` or the UI). */
export function exportDefinitions(
  definitions: readonly SubscriptionDefinition[],
  options: TopologyOptions & { vhost?: string },
): Definitions {
  return definitionsOf(buildTopology(definitions, options), options.vhost ?? '/');
}
