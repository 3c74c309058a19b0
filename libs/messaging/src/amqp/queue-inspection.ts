import type { ChannelModel, GetMessage, MessageProperties, Options } from 'amqplib';
import { PermanentError, UnavailableError } from '@linebacker/domain';
import { isWorn } from '../dead-letters/fresh-copy';
import type { MessageHeaders } from '../runner/message-headers';
import { withChannel } from './amqp-topology';
import type { ConfirmPublisher } from './confirm-publisher';
import { DlqSession } from './dlq-session';
import { replyCodeOf } from './reply-codes';

/** A queue an operator reads without consuming (a DLQ, `<queue>.parked`). */
export interface InspectedQueue {
  queue: string;
  /** What the operator calls it, for a missing queue's error ("dead-letter queue"). */
  kind: string;
  /** Exchange whose routing key is the queue's name, for fresh copies (default ''). */
  exchange?: string;
  /** The headers of a fresh copy of a worn message (ADR 0106). */
  freshHeaders(message: GetMessage): MessageHeaders;
}

/**
 * The publish properties a copy keeps. Not `userId` (the broker refuses one that is not the
 * publishing user) nor `appId` (the publisher's own), nor `expiration`.
 */
export function copiedProperties(properties: MessageProperties): Options.Publish {
  const { contentType, contentEncoding, correlationId, messageId, timestamp, type } = properties;
  const kept = { contentType, contentEncoding, correlationId, messageId, timestamp, type };
  return Object.fromEntries(
    Object.entries(kept).filter(([, value]) => value !== undefined && value !== null),
  );
}

/**
 * Runs `work` on a `DlqSession` over the queue, on a throwaway channel, and hands back what
 * it still holds at the end: fresh copies (confirmed, through `target.exchange`) once the
 * broker has counted enough returns of one of them, else returns. A missing queue is a
 * permanent `QueueNotFound`.
 */
export async function inspectQueue<T>(
  connection: ChannelModel | null,
  publisher: ConfirmPublisher,
  target: InspectedQueue,
  work: (session: DlqSession) => Promise<T>,
): Promise<T> {
  if (!connection) throw new UnavailableError('BrokerUnavailable', 'not connected to the broker');
  const { queue } = target;
  const refresh = (messages: readonly GetMessage[]) =>
    publisher.publishAll(
      messages.map((message) => ({
        exchange: target.exchange ?? '',
        routingKey: queue,
        body: message.content,
        options: { ...copiedProperties(message.properties), headers: target.freshHeaders(message) },
      })),
    );
  try {
    return await withChannel(connection, async (channel) => {
      const session = new DlqSession(channel, queue, {
        refresh,
        isWorn: (message) => isWorn(message.properties.headers ?? {}),
      });
      const result = await work(session);
      await session.giveBack();
      return result;
    });
  } catch (error) {
    if (replyCodeOf(error) === 404)
      throw new PermanentError('QueueNotFound', `no ${target.kind} '${queue}'`, { cause: error });
    throw error;
  }
}

/** The oldest `limit` messages, held by the session (handed back when it ends). */
export async function takeOldest(session: DlqSession, limit: number): Promise<GetMessage[]> {
  const taken: GetMessage[] = [];
  while (taken.length < limit) {
    const message = await session.take();
    if (!message) break;
    taken.push(message);
  }
  return taken;
}

/**
 * Republishes the messages `select` picks among those in the queue when it began, each acked
 * only after `republish` resolved (its copy confirmed): a crash in between leaves a message
 * both republished and still in the queue, never lost. Messages that come back to the queue
 * meanwhile (a replay failing again) are not taken twice in one call.
 */
export async function republishSelected(
  session: DlqSession,
  select: (message: GetMessage) => boolean,
  republish: (message: GetMessage) => Promise<void>,
): Promise<GetMessage[]> {
  const messageCount = await session.depth();
  const done: GetMessage[] = [];
  for (let seen = 0; seen < messageCount; seen++) {
    const message = await session.take();
    if (!message) break;
    if (!select(message)) continue;
    await republish(message);
    session.ack(message);
    done.push(message);
  }
  return done;
}
