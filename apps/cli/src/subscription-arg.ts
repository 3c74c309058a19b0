import type { SubscriptionDefinition } from '@linebacker/messaging';
import { allSubscriptions } from '@linebacker/pipeline';
import type { CliConfig } from './config';
import { CliError, EXIT } from './exit-codes';

/** Every subscription name an operator may give (`<app>.<name>`). */
export function subscriptionNames(config: CliConfig): string[] {
  return allSubscriptions(config).map((d) => `${d.app}.${d.name}`);
}

/**
 * The subscription an argument names: `<app>.<name>` (its queue name without namespace),
 * the namespaced queue name, or an app with a single subscription. Anything else is a usage
 * error listing the valid names.
 */
export function resolveSubscription(config: CliConfig, given: string): SubscriptionDefinition {
  const all = allSubscriptions(config);
  const bare =
    config.namespace && given.startsWith(`${config.namespace}.`)
      ? given.slice(config.namespace.length + 1)
      : given;
  const exact = all.find((d) => `${d.app}.${d.name}` === bare);
  if (exact) return exact;
  const ofApp = all.filter((d) => d.app === bare);
  if (ofApp.length === 1 && ofApp[0]) return ofApp[0];
  throw new CliError(
    EXIT.usage,
    `unknown subscription '${given}'; one of: ${subscriptionNames(config).join(', ')}`,
    'UnknownSubscription',
  );
}
