import { replayCopy, toDeadLetter } from '../dead-letters/dead-letter-view';
import type { EnvelopeCodec } from '../envelope/envelope-codec';
import type {
  DeadLetter,
  DeadLetterOperations,
  SubscriptionDefinition,
} from '../port/message-bus.port';
import { subscriptionQueueNames } from '../topology/topology-names';
import type { InMemoryBroker } from './in-memory-broker';

/** Dead-letter operations over the in-memory broker (same views and replay copies as AMQP). */
export class InMemoryDeadLetters implements DeadLetterOperations {
  constructor(
    private readonly broker: InMemoryBroker,
    private readonly codec: EnvelopeCodec,
    private readonly namespace?: string,
  ) {}

  /** The oldest `limit` dead letters. */
  async list(subscription: SubscriptionDefinition, limit: number): Promise<DeadLetter[]> {
    return this.dlq(subscription)
      .ready.slice(0, limit)
      .map((m) => toDeadLetter(m.body, m.headers, this.codec));
  }

  /** One dead letter by id. */
  async inspect(subscription: SubscriptionDefinition, id: string): Promise<DeadLetter | null> {
    const all = await this.list(subscription, Number.MAX_SAFE_INTEGER);
    return all.find((letter) => letter.id === id) ?? null;
  }

  /** Sends the chosen (or all) dead letters back to the subscription's queue, attempt 1. */
  async replay(subscription: SubscriptionDefinition, ids?: readonly string[]): Promise<number> {
    const names = subscriptionQueueNames(subscription, this.namespace);
    const queue = this.dlq(subscription);
    const chosen = queue.ready.filter(
      (m) => !ids || ids.includes(toDeadLetter(m.body, m.headers, this.codec).id),
    );
    for (const message of chosen) {
      const copy = replayCopy(message.body, message.headers, this.codec);
      this.broker.publish('', names.main, copy.body, copy.headers);
      queue.ready.splice(queue.ready.indexOf(message), 1);
    }
    return chosen.length;
  }

  /** Deletes every dead letter. */
  async purge(subscription: SubscriptionDefinition): Promise<number> {
    const queue = this.dlq(subscription);
    return queue.ready.splice(0).length;
  }

  /** Dead letters waiting. */
  async depth(subscription: SubscriptionDefinition): Promise<number> {
    return this.dlq(subscription).ready.length;
  }

  private dlq(subscription: SubscriptionDefinition) {
    return this.broker.queue(subscriptionQueueNames(subscription, this.namespace).deadLetter);
  }
}
