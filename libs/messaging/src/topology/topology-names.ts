import type { SubscriptionDefinition } from '../port/message-bus.port';

/** The default name of linebacker's one topic exchange for events. */
export const DEFAULT_EVENTS_EXCHANGE = 'linebacker.events';

/** Prefixes a broker name with the namespace (`<namespace>.<name>`), if there is one. */
export function namespaced(name: string, namespace?: string): string {
  return namespace ? `${namespace}.${name}` : name;
}

/** Every broker name one subscription owns. */
export interface SubscriptionQueueNames {
  /** `<app>.<name>`: the queue all instances of the app compete on. */
  main: string;
  /** `<main>.dlq`: dead letters, kept until an operator replays or purges them. */
  deadLetter: string;
  /** `<main>.retry.<delayMs>`: the delay queue for one retry delay level. */
  retry(delayMs: number): string;
}

/** The queue names of a subscription, with the namespace applied. */
export function subscriptionQueueNames(
  definition: Pick<SubscriptionDefinition, 'app' | 'name'>,
  namespace?: string,
): SubscriptionQueueNames {
  const main = namespaced(`${definition.app}.${definition.name}`, namespace);
  return {
    main,
    deadLetter: `${main}.dlq`,
    retry: (delayMs) => `${main}.retry.${Math.round(delayMs)}`,
  };
}

/** The queue where unparseable messages from a plain (external) queue are parked. */
export function parkedQueueName(queue: string): string {
  return `${queue}.parked`;
}
