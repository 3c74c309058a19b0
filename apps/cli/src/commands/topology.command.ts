import { writeFileSync } from 'node:fs';
import { isLinebackerError } from '@linebacker/domain';
import { exportDefinitions, type AmqpMessageBus } from '@linebacker/messaging';
import { allSubscriptions, brokerDefinitions, topologyOptionsOf } from '@linebacker/pipeline';
import type { CliConfig } from '../config';
import { CliError, EXIT } from '../exit-codes';
import type { CommandResult } from '../output';

/**
 * The vhost of an AMQP URL, or of the first of a cluster's node URLs (every node serves the
 * same vhosts); `/` when the URL has none or there is no URL.
 */
export function vhostOf(amqpUrl: string): string {
  if (!amqpUrl) return '/';
  const path = new URL(amqpUrl.split(',')[0] ?? '').pathname.replace(/^\//, '');
  return path ? decodeURIComponent(path) : '/';
}

/** What `topology export` was asked for. */
export interface ExportOptions {
  out?: string;
  vhost?: string;
  /** Also vhosts, per-app permissions and the interface's side (ADR 0108). */
  access?: boolean;
  interfaceVhost?: string;
  userPrefix?: string;
}

function accessDefinitions(config: CliConfig, options: ExportOptions) {
  try {
    return brokerDefinitions({
      config,
      vhost: options.vhost ?? vhostOf(config.amqpUrl),
      interfaceVhost: options.interfaceVhost ?? vhostOf(config.interfaceAmqpUrl),
      userPrefix: options.userPrefix ?? 'linebacker-',
    });
  } catch (error) {
    // A setting the operator must change, like any other bad configuration.
    if (isLinebackerError(error) && error.code === 'InvalidBrokerAccess')
      throw new CliError(EXIT.usage, error.message, error.code);
    throw error;
  }
}

/**
 * `topology export`: RabbitMQ definitions (exchanges, queues with their arguments, bindings)
 * for every subscription, built from the same config the services declare with; with
 * `access`, the whole broker set-up for per-app users. Needs no connection. Written to
 * `out` when given, else printed.
 */
export function exportTopology(config: CliConfig, options: ExportOptions): CommandResult {
  const definitions = options.access
    ? accessDefinitions(config, options)
    : exportDefinitions(allSubscriptions(config), {
        ...topologyOptionsOf(config),
        vhost: options.vhost ?? vhostOf(config.amqpUrl),
      });
  const json = `${JSON.stringify(definitions, null, 2)}\n`;
  if (!options.out) return { data: definitions, text: json };
  writeFileSync(options.out, json);
  const counts = `${definitions['queues']?.length ?? 0} queues, ${definitions['bindings']?.length ?? 0} bindings`;
  return {
    data: { written: options.out, queues: definitions['queues']?.length ?? 0 },
    text: `wrote ${options.out} (${counts})`,
  };
}

/**
 * `topology apply`: declares the whole pipeline's topology on linebacker's vhost as the
 * operator, the step apps with `LINEBACKER_TOPOLOGY=declare-own` rely on (ADR 0107).
 */
export async function applyTopology(
  bus: AmqpMessageBus,
  config: CliConfig,
): Promise<CommandResult> {
  const subscriptions = allSubscriptions(config);
  await bus.declare(subscriptions);
  const queues = (bus.exportDefinitions(subscriptions)['queues'] ?? []).length;
  return {
    data: { subscriptions: subscriptions.length, queues },
    text: `declared ${subscriptions.length} subscriptions (${queues} queues) and their bindings`,
  };
}
