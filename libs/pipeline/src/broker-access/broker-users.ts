import { PermanentError } from '@linebacker/domain';
import {
  DEFAULT_EXCHANGE_RESOURCE,
  exactly,
  namespacePermissions,
  NOTHING,
  parkedQueueName,
  resolveQuorumGroupSize,
  splitNodeUrls,
  subscriberPermissions,
  type TopologyOptions,
  type VhostPermissions,
} from '@linebacker/messaging';
import type { InterfaceConfig } from '../config/interface.config';
import type { PipelineConfig } from '../config/pipeline.config';
import { allSubscriptions, SERVICES } from '../workers/subscriptions';

/** What decides the broker's users and topology: the settings the apps themselves read. */
export type BrokerConfig = Pick<
  PipelineConfig,
  | 'namespace'
  | 'queueType'
  | 'deliveryLimit'
  | 'prefetch'
  | 'retryMaxAttempts'
  | 'retryInitialDelayMs'
  | 'retryMaxDelayMs'
  | 'handlerTimeoutMs'
> &
  // The queues' replica count follows the node list unless set: absent means a single node.
  Partial<Pick<PipelineConfig, 'amqpUrl' | 'quorumGroupSize'>> &
  Pick<
    InterfaceConfig,
    | 'interfaceRequestQueue'
    | 'interfaceReplyQueue'
    | 'interfaceRequestExchange'
    | 'interfaceReplyExchange'
  >;

/** Where the users live: linebacker's vhost, the interface's vhost, and the user name prefix. */
export interface BrokerAccessSettings {
  config: BrokerConfig;
  vhost: string;
  interfaceVhost: string;
  /** Prepended to every user name (users are broker-wide, vhosts are not): `linebacker-`. */
  userPrefix: string;
}

/** The operator CLI's user (without the prefix). */
export const OPERATOR_USER = 'operator';
/** The backup interface's own user (without the prefix): the simulator, or a real interface. */
export const INTERFACE_USER = 'backup-interface';

/** One broker user and what it may do in each vhost it may open. */
export interface BrokerUser {
  name: string;
  permissions: Array<VhostPermissions & { vhost: string }>;
}

/** The topology options the apps declare with. */
export function topologyOptionsOf(config: BrokerConfig): TopologyOptions {
  const { namespace, queueType, deliveryLimit } = config;
  const quorumInitialGroupSize = resolveQuorumGroupSize(
    config.quorumGroupSize ?? 'auto',
    splitNodeUrls(config.amqpUrl ?? '').length,
  );
  return { namespace, queueType, deliveryLimit, quorumInitialGroupSize };
}

function checkSettings({ config, vhost, interfaceVhost }: BrokerAccessSettings): void {
  const problems: string[] = [];
  // Every app that retries writes to amq.default, which reaches every queue of its vhost:
  // the interface's queues there would be open to all of them.
  if (vhost === interfaceVhost)
    problems.push(`the interface's vhost must not be linebacker's own (${vhost})`);
  if (!config.interfaceRequestExchange) problems.push('LINEBACKER_INTERFACE_REQUEST_EXCHANGE');
  if (!config.interfaceReplyExchange) problems.push('LINEBACKER_INTERFACE_REPLY_EXCHANGE');
  if (problems.length > 0)
    throw new PermanentError(
      'InvalidBrokerAccess',
      `per-app broker users need: ${problems.join('; ')} (set, not the default exchange)`,
    );
}

/**
 * Every user of a deployment with its permissions, derived from the pipeline's subscriptions
 * and the same topology builder the apps declare with (ADR 0108): one user per app in
 * linebacker's vhost; send-to-interface may only write to the request exchange and
 * interface-receiver only read the reply queue and write to the reply exchange in the
 * interface's vhost, where the interface's own user owns the queues; the operator reaches
 * the whole namespace, and in the interface's vhost only the parked replies.
 */
export function brokerUsers(settings: BrokerAccessSettings): BrokerUser[] {
  checkSettings(settings);
  const { config, vhost, interfaceVhost, userPrefix } = settings;
  const options = topologyOptionsOf(config);
  const subscriptions = allSubscriptions(config);
  const request = config.interfaceRequestQueue;
  const reply = config.interfaceReplyQueue;
  const inInterface = (permissions: VhostPermissions) => ({
    vhost: interfaceVhost,
    ...permissions,
  });
  const interfaceAccess: Record<string, VhostPermissions> = {
    [SERVICES.sendToInterface]: {
      configure: NOTHING,
      write: exactly([config.interfaceRequestExchange]),
      read: NOTHING,
    },
    [SERVICES.interfaceReceiver]: {
      configure: exactly([parkedQueueName(reply)]),
      write: exactly([config.interfaceReplyExchange]),
      read: exactly([reply]),
    },
  };
  const apps = Object.values(SERVICES).map((app): BrokerUser => {
    const own = subscriptions.filter((s) => s.app === app);
    const permissions = [{ vhost, ...subscriberPermissions(own, options) }];
    const extra = interfaceAccess[app];
    return {
      name: `${userPrefix}${app}`,
      permissions: extra ? [...permissions, inInterface(extra)] : permissions,
    };
  });
  return [
    ...apps,
    {
      name: `${userPrefix}${OPERATOR_USER}`,
      permissions: [
        { vhost, ...namespacePermissions(options) },
        // interface-replies: read the parked replies (a passive declare needs no permission)
        // and put them back, or refresh worn ones, through the reply exchange.
        inInterface({
          configure: NOTHING,
          write: exactly([config.interfaceReplyExchange]),
          read: exactly([parkedQueueName(reply)]),
        }),
      ],
    },
    {
      name: `${userPrefix}${INTERFACE_USER}`,
      permissions: [
        inInterface({
          // The simulator declares its queues, consumes requests, parks bad ones and
          // publishes replies through the default exchange (its own vhost).
          configure: exactly([request, parkedQueueName(request), reply]),
          write: exactly([DEFAULT_EXCHANGE_RESOURCE]),
          read: exactly([request, parkedQueueName(request)]),
        }),
      ],
    },
  ];
}
