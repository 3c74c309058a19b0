import { PermanentError } from '@linebacker/domain';
import type { SubscriptionDefinition } from '../port/message-bus.port';
import { retryDelayLevels, retryPolicyProblems } from '../retry/retry-levels';
import { DEFAULT_EVENTS_EXCHANGE, namespaced, subscriptionQueueNames } from './topology-names';

/** Queue flavour: quorum (replicated, delivery limit) or classic (single node). */
export type QueueType = 'quorum' | 'classic';

/** What decides the broker topology besides the subscriptions themselves. */
export interface TopologyOptions {
  namespace?: string;
  /** Events exchange name before the namespace (default `linebacker.events`). */
  exchange?: string;
  /** Default `quorum`. */
  queueType?: QueueType;
  /** Quorum `x-delivery-limit`: returns to the queue before the broker dead-letters (default 10). */
  deliveryLimit?: number;
  /**
   * Quorum `x-quorum-initial-group-size`: the replicas each queue starts with (default unset:
   * the broker's `quorum_cluster_size` decides). Part of a queue's identity: RabbitMQ refuses
   * a redeclaration with another value (406), so every instance must use the same one.
   */
  quorumInitialGroupSize?: number;
}

/** A declared exchange: the events exchange is a topic exchange, routing-only ones are direct. */
export interface ExchangeSpec {
  name: string;
  type: 'topic' | 'direct';
}

/** A declared durable queue and its arguments. */
export interface QueueSpec {
  name: string;
  arguments: Record<string, string | number>;
}

/** A binding of a queue to an exchange. */
export interface BindingSpec {
  queue: string;
  exchange: string;
  routingKey: string;
}

/** Everything the bus declares, in declaration order (exchanges, queues, bindings). */
export interface Topology {
  exchanges: ExchangeSpec[];
  queues: QueueSpec[];
  bindings: BindingSpec[];
}

/** The default `x-delivery-limit`; broker bounces also count, so keep it well above 1. */
export const DEFAULT_DELIVERY_LIMIT = 10;

/** The events exchange name with the namespace applied. */
export function eventsExchangeName(options: TopologyOptions): string {
  return namespaced(options.exchange ?? DEFAULT_EVENTS_EXCHANGE, options.namespace);
}

function queueArguments(
  options: TopologyOptions,
  deadLetterTo?: string,
): Record<string, string | number> {
  const type = options.queueType ?? 'quorum';
  const args: Record<string, string | number> = { 'x-queue-type': type };
  if (type === 'quorum' && options.quorumInitialGroupSize !== undefined)
    args['x-quorum-initial-group-size'] = options.quorumInitialGroupSize;
  if (deadLetterTo === undefined) return args;
  args['x-dead-letter-exchange'] = '';
  args['x-dead-letter-routing-key'] = deadLetterTo;
  if (type === 'quorum') {
    // Quorum dead-lettering is at-most-once by default; at-least-once needs reject-publish
    // overflow. Without it a message expiring from a delay queue could vanish on a crash.
    args['x-dead-letter-strategy'] = 'at-least-once';
    args['x-overflow'] = 'reject-publish';
  }
  return args;
}

/** The queues, bindings and companions of one subscription. */
function subscriptionTopology(definition: SubscriptionDefinition, options: TopologyOptions) {
  const names = subscriptionQueueNames(definition, options.namespace);
  const main = queueArguments(options, names.deadLetter);
  if ((options.queueType ?? 'quorum') === 'quorum')
    main['x-delivery-limit'] = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  const queues: QueueSpec[] = [
    { name: names.deadLetter, arguments: queueArguments(options) },
    { name: names.main, arguments: main },
    // Per-queue TTL (not per-message): every message in a level expires in arrival order,
    // so nothing waits behind a longer-lived head message.
    ...retryDelayLevels(definition.retry).map((delayMs) => ({
      name: names.retry(delayMs),
      arguments: { ...queueArguments(options, names.main), 'x-message-ttl': delayMs },
    })),
  ];
  const exchange = eventsExchangeName(options);
  const bindings = definition.eventTypes.map((routingKey) => ({
    queue: names.main,
    exchange,
    routingKey,
  }));
  return { queues, bindings };
}

/** The whole topology for these subscriptions (deduplicated by name). */
export function buildTopology(
  definitions: readonly SubscriptionDefinition[],
  options: TopologyOptions,
): Topology {
  const queues = new Map<string, QueueSpec>();
  const bindings = new Map<string, BindingSpec>();
  for (const definition of definitions) {
    const part = subscriptionTopology(definition, options);
    for (const queue of part.queues) queues.set(queue.name, queue);
    for (const b of part.bindings) bindings.set(`${b.queue} ${b.routingKey}`, b);
  }
  return {
    exchanges: [{ name: eventsExchangeName(options), type: 'topic' }],
    queues: [...queues.values()],
    bindings: [...bindings.values()],
  };
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const BINDING = /^(?:[a-z0-9-]+|\*|#)(?:\.(?:[a-z0-9-]+|\*|#))*$/;

/** Rejects a malformed subscription before anything is declared (PermanentError). */
export function assertSubscription(definition: SubscriptionDefinition): void {
  const label = `${definition.app}.${definition.name}`;
  const problems: string[] = [];
  if (!NAME.test(definition.app) || !NAME.test(definition.name))
    problems.push('app and name must be non-empty [a-z0-9._-]');
  if (definition.eventTypes.length === 0) problems.push('eventTypes must not be empty');
  for (const type of definition.eventTypes)
    if (!BINDING.test(type)) problems.push(`invalid routing key ${type}`);
  if (
    !Number.isInteger(definition.prefetch) ||
    definition.prefetch < 1 ||
    definition.prefetch > 1000
  )
    problems.push('prefetch must be an integer in 1..1000 (deliveries held unacked per consumer)');
  if (!(definition.handlerTimeoutMs > 0)) problems.push('handlerTimeoutMs must be > 0');
  problems.push(...retryPolicyProblems(definition.retry));
  if (problems.length > 0)
    throw new PermanentError('InvalidSubscription', `${label}: ${problems.join('; ')}`);
}
