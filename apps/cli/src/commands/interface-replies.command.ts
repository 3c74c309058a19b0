import {
  azureAccountFromConfig,
  AzurePoisonQueue,
  decodeMessage,
  type PoisonedMessage,
} from '@linebacker/azure-queues';
import type { CliConfig } from '../config';
import { CliError, EXIT } from '../exit-codes';
import { table, type CliIo, type CommandResult } from '../output';
import { audit, type AuditOptions } from './dlq-repair.command';

/**
 * The interface's poisoned replies on Azure Storage Queues (`<reply queue>-poison`). The
 * parked replies of the AMQP transport (`<reply queue>.parked`) are not listed here yet.
 */
function poisonQueue(config: CliConfig): AzurePoisonQueue {
  if (config.interfaceTransport !== 'azure-queue')
    throw new CliError(
      EXIT.usage,
      'interface-replies works on LINEBACKER_INTERFACE_TRANSPORT=azure-queue only (AMQP parked replies: not yet)',
    );
  // The services' own account keys and rules: a ConfigError here is a usage error (exit 2).
  return new AzurePoisonQueue({
    account: azureAccountFromConfig(config),
    queue: config.interfaceAzureReplyQueue,
    encoding: config.interfaceAzureEncoding,
  });
}

function summary(message: PoisonedMessage, config: CliConfig) {
  let body: string;
  try {
    body = decodeMessage(message.messageText, config.interfaceAzureEncoding).toString('utf8');
  } catch {
    body = message.messageText;
  }
  return {
    poisonId: message.poisonId,
    messageId: message.messageId,
    errorCode: message.errorCode,
    reason: message.reason,
    parkedAt: message.parkedAt,
    dequeueCount: message.dequeueCount,
    body,
  };
}

/** `interface-replies list`: the oldest poisoned replies (at most 32), left in place. */
export async function listPoisonedReplies(
  config: CliConfig,
  limit: number,
): Promise<CommandResult> {
  const messages = (await poisonQueue(config).list(limit)).map((m) => summary(m, config));
  const text =
    messages.length === 0
      ? `no poisoned replies in ${config.interfaceAzureReplyQueue}-poison`
      : table(
          ['message id', 'error code', 'parked at', 'receives', 'reason'],
          messages.map((m) => [m.messageId, m.errorCode, m.parkedAt, m.dequeueCount, m.reason]),
        );
  return { data: messages, text };
}

/**
 * `interface-replies replay --id …|--all`: puts poisoned replies back on the reply queue
 * (their original text); an id not found makes the exit code 3 after the rest were replayed.
 */
export async function replayPoisonedReplies(
  config: CliConfig,
  select: { ids?: string[]; all?: boolean },
  io: CliIo,
  options: AuditOptions,
): Promise<CommandResult> {
  if (!select.all && !select.ids?.length)
    throw new CliError(EXIT.usage, 'name the replies to replay with --id, or use --all');
  const result = await poisonQueue(config).replay(select);
  audit(io, options, {
    action: 'interface-replies.replay',
    queue: `${config.interfaceAzureReplyQueue}-poison`,
    count: result.replayed.length,
    messageIds: result.replayed.map((m) => m.messageId),
  });
  const text = [
    `replayed ${result.replayed.length} poisoned replies to ${config.interfaceAzureReplyQueue}`,
    ...result.missing.map((id) => `not found: ${id}`),
  ].join('\n');
  return {
    data: { replayed: result.replayed.map((m) => m.messageId), missing: result.missing },
    text,
    exitCode: result.missing.length > 0 ? EXIT.notFound : EXIT.ok,
  };
}
