import type { PoisonedMessage } from '@linebacker/azure-queues';
import { loadAzureQueues } from '@linebacker/azure-queues/config';
import { parkedQueueName, type ParkedMessage } from '@linebacker/messaging';
import type { CliConfig } from '../config';
import type { CliConnections } from '../connections';
import { CliError, EXIT } from '../exit-codes';
import { table, type CliIo, type CommandResult } from '../output';
import { audit, type AuditOptions } from './dlq-repair.command';

/** A poisoned reply as `interface-replies` shows it, whichever transport parked it. */
interface ReplySummary {
  /** Its id in the poison (Azure) or parked (AMQP) queue. */
  poisonId: string;
  messageId: string | null;
  errorCode: string;
  reason: string;
  parkedAt: string;
  /** Receives of the original before it was parked. */
  dequeueCount: number;
  body: string;
}

/** Where the transport keeps poisoned replies, and how to list and replay them. */
interface PoisonedReplies {
  /** The poison or parked queue. */
  queue: string;
  /** The reply queue replays go back to. */
  replyQueue: string;
  list(limit: number): Promise<ReplySummary[]>;
  replay(select: {
    ids?: string[];
    all?: boolean;
  }): Promise<{ replayed: ReplySummary[]; missing: string[] }>;
}

/**
 * Azure Storage Queues: `<reply queue>-poison`, peeked (at most 32) and replayed. The adapter
 * and its SDK are loaded only here (ADR 0112).
 */
function azureReplies(config: CliConfig): PoisonedReplies {
  const { azureAccountFromConfig, AzurePoisonQueue, decodeMessage } = loadAzureQueues();
  // The services' own account keys and rules: a ConfigError here is a usage error (exit 2).
  const poison = new AzurePoisonQueue({
    account: azureAccountFromConfig(config),
    queue: config.interfaceAzureReplyQueue,
    encoding: config.interfaceAzureEncoding,
  });
  const summary = (message: PoisonedMessage): ReplySummary => {
    let body: string;
    try {
      body = decodeMessage(message.messageText, config.interfaceAzureEncoding).toString('utf8');
    } catch {
      body = message.messageText;
    }
    const { poisonId, messageId, errorCode, reason, parkedAt, dequeueCount } = message;
    return { poisonId, messageId, errorCode, reason, parkedAt, dequeueCount, body };
  };
  return {
    queue: `${config.interfaceAzureReplyQueue}-poison`,
    replyQueue: config.interfaceAzureReplyQueue,
    list: async (limit) => (await poison.list(limit)).map(summary),
    replay: async (select) => {
      const result = await poison.replay(select);
      return { replayed: result.replayed.map(summary), missing: result.missing };
    },
  };
}

/** AMQP: `<reply queue>.parked` on the interface's broker, read without consuming. */
function amqpReplies(config: CliConfig, connections: CliConnections): PoisonedReplies {
  const summary = (message: ParkedMessage): ReplySummary => ({
    poisonId: message.parkedId,
    messageId: message.messageId,
    errorCode: message.errorCode,
    reason: message.reason,
    parkedAt: message.parkedAt,
    dequeueCount: message.receiveCount,
    body: message.rawBody,
  });
  return {
    queue: parkedQueueName(config.interfaceReplyQueue),
    replyQueue: config.interfaceReplyQueue,
    list: async (limit) => (await (await connections.parkedReplies()).list(limit)).map(summary),
    replay: async (select) => {
      const result = await (await connections.parkedReplies()).replay(select);
      return { replayed: result.replayed.map(summary), missing: result.missing };
    },
  };
}

const poisonedReplies = (config: CliConfig, connections: CliConnections): PoisonedReplies =>
  config.interfaceTransport === 'azure-queue'
    ? azureReplies(config)
    : amqpReplies(config, connections);

/** `interface-replies list`: the oldest poisoned replies, left in place. */
export async function listPoisonedReplies(
  config: CliConfig,
  connections: CliConnections,
  limit: number,
): Promise<CommandResult> {
  const replies = poisonedReplies(config, connections);
  const messages = await replies.list(limit);
  const text =
    messages.length === 0
      ? `no poisoned replies in ${replies.queue}`
      : table(
          ['message id', 'poison id', 'error code', 'parked at', 'receives', 'reason'],
          messages.map((m) => [
            m.messageId,
            m.poisonId,
            m.errorCode,
            m.parkedAt,
            m.dequeueCount,
            m.reason,
          ]),
        );
  return { data: messages, text };
}

/**
 * `interface-replies replay --id …|--all`: puts poisoned replies back on the reply queue
 * (their original body); an id not found makes the exit code 3 after the rest were replayed.
 */
export async function replayPoisonedReplies(
  config: CliConfig,
  connections: CliConnections,
  select: { ids?: string[]; all?: boolean },
  io: CliIo,
  options: AuditOptions,
): Promise<CommandResult> {
  const hasIds = (select.ids?.length ?? 0) > 0;
  if (hasIds === Boolean(select.all))
    throw new CliError(EXIT.usage, 'give either --id <id...> or --all', 'Usage');
  const replies = poisonedReplies(config, connections);
  const result = await replies.replay(select);
  // A reply the interface sent without a message id is named by its poison id.
  const replayedIds = result.replayed.map((m) => m.messageId ?? m.poisonId);
  audit(io, options, {
    action: 'interface-replies.replay',
    queue: replies.queue,
    count: result.replayed.length,
    messageIds: replayedIds,
  });
  const text = [
    `replayed ${result.replayed.length} poisoned replies to ${replies.replyQueue}`,
    ...result.missing.map((id) => `not found: ${id}`),
  ].join('\n');
  return {
    data: { replayed: replayedIds, missing: result.missing },
    text,
    exitCode: result.missing.length > 0 ? EXIT.notFound : EXIT.ok,
  };
}
