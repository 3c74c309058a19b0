import { writeFileSync } from 'node:fs';
import { exportDefinitions } from '@linebacker/messaging';
import { allSubscriptions } from '@linebacker/pipeline';
import type { CliConfig } from '../config';
import type { CommandResult } from '../output';

/** The vhost of an AMQP URL (`/` when the URL has none or there is no URL). */
export function vhostOf(amqpUrl: string): string {
  if (!amqpUrl) return '/';
  const path = new URL(amqpUrl).pathname.replace(/^\//, '');
  return path ? decodeURIComponent(path) : '/';
}

/**
 * `topology export`: RabbitMQ definitions (exchanges, queues with their arguments, bindings)
 * for every subscription, built from the same config the services declare with. Needs no
 * connection. Written to `out` when given, else printed.
 */
export function exportTopology(
  config: CliConfig,
  options: { out?: string; vhost?: string },
): CommandResult {
  const definitions = exportDefinitions(allSubscriptions(config), {
    namespace: config.namespace,
    queueType: config.queueType,
    deliveryLimit: config.deliveryLimit,
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
