import type { QueueClient } from '@azure/storage-queue';
import { classifyAzureError } from './azure-errors';
import { decodePoison, type PoisonMessage } from './poison-message';
import { poisonQueueName, queueClient, type AzureQueueConnection } from './queue-connection';

/** A message of the poison queue as an operator sees it. */
export interface PoisonedMessage extends PoisonMessage {
  /** The poison message's own id (replay accepts it or the original `messageId`). */
  poisonId: string;
}

/** What a replay did. */
export interface PoisonReplay {
  replayed: PoisonedMessage[];
  /** Requested ids found in no poison message. */
  missing: string[];
}

/** How long a replay holds the poison messages it looks at. */
const REPLAY_VISIBILITY_SEC = 60;

/**
 * The operator's view of `<queue>-poison`: list (a peek: at most 32, the service's limit)
 * and replay, which puts the original text back on the source queue and only then deletes
 * the poison message, so a crash in between leaves a copy, never nothing.
 */
export class AzurePoisonQueue {
  private readonly source: QueueClient;
  private readonly poison: QueueClient;

  constructor(connection: AzureQueueConnection) {
    this.source = queueClient(connection);
    this.poison = queueClient(connection, poisonQueueName(connection.queue));
  }

  /** The oldest `limit` (≤ 32) poison messages, left in place. */
  async list(limit = 32): Promise<PoisonedMessage[]> {
    try {
      const { peekedMessageItems } = await this.poison.peekMessages({
        numberOfMessages: Math.min(32, Math.max(1, limit)),
      });
      return peekedMessageItems.map((m) => ({
        ...decodePoison(m.messageText),
        poisonId: m.messageId,
      }));
    } catch (error) {
      throw classifyAzureError(error, `peek ${poisonQueueName(this.source.name)}`);
    }
  }

  /** Replays the poison messages with these ids (poison or original), or all of them. */
  async replay(select: { ids?: readonly string[]; all?: boolean }): Promise<PoisonReplay> {
    const wanted = new Set(select.ids ?? []);
    const seen = new Set<string>();
    const replayed: PoisonedMessage[] = [];
    try {
      for (;;) {
        const { receivedMessageItems } = await this.poison.receiveMessages({
          numberOfMessages: 32,
          visibilityTimeout: REPLAY_VISIBILITY_SEC,
        });
        const fresh = receivedMessageItems.filter((m) => !seen.has(m.messageId));
        // A message looked at before comes round again: give it back at once and stop.
        for (const item of receivedMessageItems)
          if (seen.has(item.messageId))
            await this.poison.updateMessage(item.messageId, item.popReceipt, undefined, 0);
        if (fresh.length === 0) break;
        for (const item of fresh) {
          seen.add(item.messageId);
          const message = { ...decodePoison(item.messageText), poisonId: item.messageId };
          const chosen =
            select.all || wanted.has(message.poisonId) || wanted.has(message.messageId);
          if (!chosen) {
            await this.poison.updateMessage(item.messageId, item.popReceipt, undefined, 0);
            continue;
          }
          await this.source.sendMessage(message.messageText);
          await this.poison.deleteMessage(item.messageId, item.popReceipt);
          replayed.push(message);
        }
      }
    } catch (error) {
      throw classifyAzureError(error, `replay ${poisonQueueName(this.source.name)}`);
    }
    const found = (id: string) => replayed.some((m) => m.poisonId === id || m.messageId === id);
    return { replayed, missing: [...wanted].filter((id) => !found(id)) };
  }
}
