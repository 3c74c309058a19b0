import { appendFileSync } from 'node:fs';
import {
  subscriptionQueueNames,
  type MessageBus,
  type SubscriptionDefinition,
} from '@linebacker/messaging';
import { CliError, EXIT } from '../exit-codes';
import type { CliIo, CommandResult } from '../output';
import { findDeadLetters } from './dlq.command';

/** Who asked, and where the audit line goes (stderr unless a file is given). */
export interface AuditOptions {
  operator: string;
  auditFile?: string;
  namespace: string;
}

/** Writes one JSON audit line: who, when, what, on which queue, how many (every repair command). */
export function audit(
  io: CliIo,
  options: AuditOptions,
  { action, ...record }: { action: string } & Record<string, unknown>,
): void {
  const line = JSON.stringify({
    audit: action,
    at: new Date().toISOString(),
    operator: options.operator,
    ...record,
  });
  if (options.auditFile) appendFileSync(options.auditFile, `${line}\n`);
  else io.err(`${line}\n`);
}

const queueOf = (definition: SubscriptionDefinition, namespace: string) =>
  subscriptionQueueNames(definition, namespace).deadLetter;

/**
 * `dlq replay <subscription> --id …|--all`: moves dead letters back to the subscription's
 * queue (attempt reset). Ids may be dead-letter ids or message ids; any id not found makes
 * the exit code 3 after the found ones were replayed.
 */
export async function replayDeadLetters(
  bus: MessageBus,
  definition: SubscriptionDefinition,
  selection: { ids?: string[]; all?: boolean },
  io: CliIo,
  options: AuditOptions,
): Promise<CommandResult> {
  const hasIds = (selection.ids?.length ?? 0) > 0;
  if (hasIds === Boolean(selection.all))
    throw new CliError(EXIT.usage, 'give either --id <id...> or --all', 'Usage');
  let replayed: number;
  let missing: string[] = [];
  if (selection.all) {
    replayed = await bus.deadLetters.replay(definition);
  } else {
    const lookup = await findDeadLetters(bus, definition, selection.ids ?? []);
    missing = lookup.missing;
    replayed =
      lookup.found.length === 0
        ? 0
        : await bus.deadLetters.replay(
            definition,
            lookup.found.map((letter) => letter.id),
          );
  }
  audit(io, options, {
    action: 'dlq.replay',
    subscription: `${definition.app}.${definition.name}`,
    queue: queueOf(definition, options.namespace),
    selection: selection.all ? 'all' : selection.ids,
    replayed,
    missing,
  });
  const text = [
    `replayed ${replayed} dead letter(s) to ${subscriptionQueueNames(definition, options.namespace).main}`,
    ...missing.map((id) => `not found: ${id}`),
  ].join('\n');
  return {
    data: { replayed, missing },
    text,
    exitCode: missing.length > 0 ? EXIT.notFound : EXIT.ok,
  };
}

/** `dlq purge <subscription> --yes`: deletes every dead letter of the subscription. */
export async function purgeDeadLetters(
  bus: () => Promise<MessageBus>,
  definition: SubscriptionDefinition,
  confirmed: boolean,
  io: CliIo,
  options: AuditOptions,
): Promise<CommandResult> {
  if (!confirmed)
    throw new CliError(
      EXIT.usage,
      'purge deletes messages for good: add --yes to confirm (list or show them first)',
      'Usage',
    );
  const purged = await (await bus()).deadLetters.purge(definition);
  audit(io, options, {
    action: 'dlq.purge',
    subscription: `${definition.app}.${definition.name}`,
    queue: queueOf(definition, options.namespace),
    purged,
  });
  return { data: { purged }, text: `purged ${purged} dead letter(s)` };
}
