import type { SubscriptionDefinition } from '../port/message-bus.port';
import { buildTopology, eventsExchangeName, type TopologyOptions } from './topology';

/**
 * The resource name RabbitMQ checks when a client publishes through the default (nameless)
 * exchange. Write on it reaches every queue of the vhost by name: a publish is checked
 * against the exchange only, never against the queue it lands in.
 */
export const DEFAULT_EXCHANGE_RESOURCE = 'amq.default';

/** One user's permissions in one vhost: regular expressions over resource names. */
export interface VhostPermissions {
  configure: string;
  write: string;
  read: string;
}

/** A permission that matches no resource (RabbitMQ's documented "nothing"). */
export const NOTHING = '^$';

const escape = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regular expression matching exactly these resource names (NOTHING for none). */
export function exactly(names: readonly string[]): string {
  const unique = [...new Set(names)];
  return unique.length === 0 ? NOTHING : `^(?:${unique.map(escape).join('|')})$`;
}

/**
 * The permissions of an app that consumes `definitions` (none for a publisher only) and
 * publishes events, derived from the very topology the app declares.
 */
export function subscriberPermissions(
  definitions: readonly SubscriptionDefinition[],
  options: TopologyOptions,
): VhostPermissions {
  const exchange = eventsExchangeName(options);
  const own = definitions.length > 0 ? buildTopology(definitions, options).queues : [];
  const queues = own.map((queue) => queue.name);
  if (queues.length === 0) return { configure: NOTHING, write: exactly([exchange]), read: NOTHING };
  return {
    // Declaring its own queues again after a reconnect; never the exchange, because
    // configure on it would also allow deleting it (the app only checks it, passively).
    configure: exactly(queues),
    // Events; its queues as binding destinations; and the default exchange, through which
    // the consumer runner copies a delivery to a retry or dead-letter queue.
    write: exactly([...queues, exchange, DEFAULT_EXCHANGE_RESOURCE]),
    // Consuming its queues; the exchange as the source of its bindings.
    read: exactly([...queues, exchange]),
  };
}

/** Every resource of the namespace (or of the vhost without one): the operator's reach. */
export function namespacePermissions(options: Pick<TopologyOptions, 'namespace'>) {
  if (!options.namespace) return { configure: '.*', write: '.*', read: '.*' };
  const all = `^${escape(options.namespace)}\\..*$`;
  // Replaying a dead letter republishes it through the default exchange.
  const write = `^(?:${escape(options.namespace)}\\..*|${escape(DEFAULT_EXCHANGE_RESOURCE)})$`;
  return { configure: all, write, read: all } satisfies VhostPermissions;
}
