import type { ChannelModel, GetMessage, MessageProperties, Options } from 'amqplib';
import { PermanentError, UnavailableError } from '@linebacker/domain';
import { replayCopy, toDeadLetter } from '../dead-letters/dead-letter-view';
import { freshCopyHeaders, isWorn } from '../dead-letters/fresh-copy';
import type { EnvelopeCodec } from '../envelope/envelope-codec';
import type {
  DeadLetter,
  DeadLetterOperations,
  SubscriptionDefinition,
} from '../port/message-bus.port';
import { subscriptionQueueNames } from '../topology/topology-names';
import { withChannel } from './amqp-topology';
import type { ConfirmPublisher } from './confirm-publisher';
import { DlqSession } from './dlq-session';
import { replyCodeOf } from './reply-codes';

/** What the dead-letter operations borrow from the bus. */
export interface AmqpDeadLettersDeps {
  codec: EnvelopeCodec;
  publisher: ConfirmPublisher;
  namespace?: string;
  connection(): ChannelModel | null;
}

/**
 * The publish properties a fresh copy keeps. Not `userId` (the broker refuses one that is
 * not the publishing user) nor `appId` (the publisher's own), nor `expiration`.
 */
function copiedProperties(properties: MessageProperties): Options.Publish {
  const { contentType, contentEncoding, correlationId, messageId, timestamp, type } = properties;
  const kept = { contentType, contentEncoding, correlationId, messageId, timestamp, type };
  return Object.fromEntries(
    Object.entries(kept).filter(([, value]) => value !== undefined && value !== null),
  );
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
    return this.onDlq(subscription, async (session) => {
      const letters: DeadLetter[] = [];
      while (letters.length < limit) {
        const message = await session.take();
        if (!message) break;
        letters.push(this.view(message));
      }
      return letters;
    });
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
      const messageCount = await session.depth();
      let replayed = 0;
      for (let seen = 0; seen < messageCount; seen++) {
        const message = await session.take();
        if (!message) break;
        if (ids && !ids.includes(this.view(message).id)) continue;
        const copy = replayCopy(message.content, message.properties.headers ?? {}, this.deps.codec);
        await this.deps.publisher.publish('', main, copy.body, {
          headers: copy.headers,
          contentType: 'application/json',
        });
        session.ack(message);
        replayed += 1;
      }
      return replayed;
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

  /** Confirmed fresh copies at the back of the queue: same body, properties and view. */
  private refresh(queue: string, messages: readonly GetMessage[]): Promise<void> {
    return this.deps.publisher.publishAll(
      messages.map(({ content, properties }) => ({
        exchange: '',
        routingKey: queue,
        body: content,
        options: {
          ...copiedProperties(properties),
          headers: freshCopyHeaders(content, properties.headers ?? {}, this.deps.codec),
        },
      })),
    );
  }

  private view(message: GetMessage): DeadLetter {
    return toDeadLetter(message.content, message.properties.headers ?? {}, this.deps.codec);
  }

  private async onDlq<T>(
    subscription: SubscriptionDefinition,
    work: (session: DlqSession) => Promise<T>,
  ): Promise<T> {
    const connection = this.deps.connection();
    if (!connection) throw new UnavailableError('BrokerUnavailable', 'not connected to the broker');
    const queue = subscriptionQueueNames(subscription, this.deps.namespace).deadLetter;
    try {
      return await withChannel(connection, async (channel) => {
        const session = new DlqSession(channel, queue, {
          refresh: (messages) => this.refresh(queue, messages),
          isWorn: (message) => isWorn(message.properties.headers ?? {}),
        });
        const result = await work(session);
        await session.giveBack();
        return result;
      });
    } catch (error) {
      if (replyCodeOf(error) === 404)
        throw new PermanentError('QueueNotFound', `no dead-letter queue '${queue}'`, {
          cause: error,
        });
      throw error;
    }
  }
}
