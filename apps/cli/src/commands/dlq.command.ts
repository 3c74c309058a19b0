import type { DeadLetter, MessageBus, SubscriptionDefinition } from '@linebacker/messaging';
import { CliError, EXIT } from '../exit-codes';
import { table, type CommandResult } from '../output';

/** A dead letter as `dlq list` shows it (headers only in `dlq show`). */
function summary(letter: DeadLetter) {
  return {
    id: letter.id,
    messageId: letter.envelope?.messageId ?? null,
    requestId:
      (letter.envelope?.payload as { backupRequestId?: string } | undefined)?.backupRequestId ??
      null,
    errorCode: letter.errorCode,
    reason: letter.reason,
    originalRoutingKey: letter.originalRoutingKey,
    deadLetteredAt: letter.deadLetteredAt,
  };
}

const label = (definition: SubscriptionDefinition) => `${definition.app}.${definition.name}`;

/** `dlq list <subscription>`: the oldest `limit` dead letters, left in place. */
export async function listDeadLetters(
  bus: MessageBus,
  definition: SubscriptionDefinition,
  limit: number,
): Promise<CommandResult> {
  const letters = (await bus.deadLetters.list(definition, limit)).map(summary);
  const text =
    letters.length === 0
      ? `no dead letters in ${label(definition)}`
      : table(
          ['id', 'message id', 'error code', 'routing key', 'dead-lettered at', 'reason'],
          letters.map((l) => [
            l.id,
            l.messageId,
            l.errorCode,
            l.originalRoutingKey,
            l.deadLetteredAt,
            l.reason,
          ]),
        );
  return { data: letters, text };
}

/** Finds dead letters by their dead-letter id or their envelope's message id. */
export async function findDeadLetters(
  bus: MessageBus,
  definition: SubscriptionDefinition,
  ids: readonly string[],
): Promise<{ found: DeadLetter[]; missing: string[] }> {
  const all = await bus.deadLetters.list(definition, Number.MAX_SAFE_INTEGER);
  const matches = (id: string) => (l: DeadLetter) => l.id === id || l.envelope?.messageId === id;
  return {
    found: all.filter((letter) => ids.some((id) => matches(id)(letter))),
    missing: ids.filter((id) => !all.some(matches(id))),
  };
}

/** `dlq show <subscription> <id>`: one dead letter with its body and headers; exit 3 if absent. */
export async function showDeadLetter(
  bus: MessageBus,
  definition: SubscriptionDefinition,
  id: string,
): Promise<CommandResult> {
  const { found } = await findDeadLetters(bus, definition, [id]);
  const letter = found[0];
  if (!letter)
    throw new CliError(EXIT.notFound, `no dead letter ${id} in ${label(definition)}`, 'NotFound');
  const text = [
    ...Object.entries(summary(letter)).map(([key, value]) => `${key.padEnd(20)} ${value ?? '-'}`),
    'headers',
    JSON.stringify(letter.headers, null, 2),
    'body',
    letter.envelope ? JSON.stringify(letter.envelope, null, 2) : letter.rawBody,
  ].join('\n');
  return { data: letter, text };
}
