import type { ChannelModel } from 'amqplib';
import { PermanentError, UnavailableError } from '@linebacker/domain';
import type { QueueStats, SubscriptionDefinition } from '../port/message-bus.port';
import { retryDelayLevels } from '../retry/retry-levels';
import { subscriptionQueueNames } from '../topology/topology-names';
import { withChannel } from './amqp-topology';
import { classifyBrokerError, replyCodeOf } from './reply-codes';

/**
 * Reads one subscription's queue counters with passive declares (`queue.declare` passive is
 * what `checkQueue` sends) on a throwaway channel: nothing is created or consumed.
 */
export async function readQueueStats(
  connection: ChannelModel | null,
  definition: SubscriptionDefinition,
  namespace?: string,
): Promise<QueueStats> {
  if (!connection) throw new UnavailableError('BrokerUnavailable', 'not connected to the broker');
  const names = subscriptionQueueNames(definition, namespace);
  try {
    return await withChannel(connection, async (channel) => {
      const main = await channel.checkQueue(names.main);
      const deadLetters = await channel.checkQueue(names.deadLetter);
      let retrying = 0;
      for (const delayMs of retryDelayLevels(definition.retry))
        retrying += (await channel.checkQueue(names.retry(delayMs))).messageCount;
      return {
        queue: names.main,
        messages: main.messageCount,
        consumers: main.consumerCount,
        retrying,
        deadLetters: deadLetters.messageCount,
      };
    });
  } catch (error) {
    // A passive declare of a missing queue fails with 404 (and closes only that channel).
    if (replyCodeOf(error) === 404)
      throw new PermanentError('QueueNotFound', `a queue of '${names.main}' does not exist`, {
        cause: error,
      });
    throw classifyBrokerError(error, 'reading queue counters failed');
  }
}
