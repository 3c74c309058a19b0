import type { ChannelModel, GetMessage } from 'amqplib';
import { replayCopy, toDeadLetter } from '../dead-letters/dead-letter-view';
import { freshCopyHeaders } from '../dead-letters/fresh-copy';
import type { EnvelopeCodec } from '../envelope/envelope-codec';
import type {
  DeadLetter,
  DeadLetterOperations,
  SubscriptionDefinition,
} from '../port/message-bus.port';
import { subscriptionQueueNames } from '../topology/topology-names';
import type { ConfirmPublisher } from './confirm-publisher';
import type { DlqSession } from './dlq-session';
import { inspectQueue, republishSelected, takeOldest } from './queue-inspection';

/** What the dead-letter operations borrow from the bus. */
export interface AmqpDeadLettersDeps {
  codec: EnvelopeCodec;
  publisher: ConfirmPublisher;
  namespace?: string;
  connection(): ChannelModel | null;
}

/**
 * Operator tooling over a subscription's DLQ. Reading is non-destructive: messages are
 * fetched with `basic.get` (manual ack) on a throwaway channel, held unacked, and handed back
 * together at the end (or, once the broker has counted enough returns of one of them, replaced
 * by fresh copies: `DlqSession.giveBack`). Holding them (rather than nack-requeue one by
 * one) means one listing never sees the same message twice and leaves the order intact.
 */
export class AmqpDeadLetters implements DeadLetterOperations {
  constructor(private readonly deps: AmqpDeadLettersDeps) {}

  /** The oldest `limit` dead letters, all returned to the queue afterwards. */
  async list(subscription: SubscriptionDefinition, limit: number): Promise<DeadLetter[]> {
    return this.onDlq(subscription, async (session) =>
      (await takeOldest(session, limit)).map((message) => this.view(message)),
    );
  }

  /** One dead letter by id (scans the whole queue, holding what it read until done). */
  async inspect(subscription: SubscriptionDefinition, id: string): Promise<DeadLetter | null> {
    const all = await this.list(subscription, Number.MAX_SAFE_INTEGER);
    return all.find((letter) => letter.id === id) ?? null;
  }

  /**
   * Republishes the chosen (or all) dead letters to the subscription's own queue (confirmed,
   * attempt reset, audit headers), acking each only after its copy is confirmed. Only
   * messages present when the replay began are considered, so a replayed message that fails
   * again and returns to the DLQ is not replayed twice in one call.
   */
  async replay(subscription: SubscriptionDefinition, ids?: readonly string[]): Promise<number> {
    const main = subscriptionQueueNames(subscription, this.deps.namespace).main;
    return this.onDlq(subscription, async (session) => {
      const replayed = await republishSelected(
        session,
        (message) => !ids || ids.includes(this.view(message).id),
        async (message) => {
          const copy = replayCopy(
            message.content,
            message.properties.headers ?? {},
            this.deps.codec,
          );
          await this.deps.publisher.publish('', main, copy.body, {
            headers: copy.headers,
            contentType: 'application/json',
          });
        },
      );
      return replayed.length;
    });
  }

  /** Deletes every ready dead letter. */
  async purge(subscription: SubscriptionDefinition): Promise<number> {
    return this.onDlq(subscription, async ({ channel, queue }) => {
      const { messageCount } = await channel.purgeQueue(queue);
      return messageCount;
    });
  }

  /** Ready dead letters. */
  async depth(subscription: SubscriptionDefinition): Promise<number> {
    return this.onDlq(subscription, (session) => session.depth());
  }

  private view(message: GetMessage): DeadLetter {
    return toDeadLetter(message.content, message.properties.headers ?? {}, this.deps.codec);
  }

  private onDlq<T>(
    subscription: SubscriptionDefinition,
    work: (session: DlqSession) => Promise<T>,
  ): Promise<T> {
    const queue = subscriptionQueueNames(subscription, this.deps.namespace).deadLetter;
    return inspectQueue(
      this.deps.connection(),
      this.deps.publisher,
      {
        queue,
        kind: 'dead-letter queue',
        freshHeaders: ({ content, properties }) =>
          freshCopyHeaders(content, properties.headers ?? {}, this.deps.codec),
      },
      work,
    );
  }
}
