import {
  buildTopology,
  DEFAULT_PARKED_QUEUE_ARGUMENTS,
  definitionsOf,
  parkedQueueName,
  type Definitions,
  type Topology,
} from '@linebacker/messaging';
import { allSubscriptions } from '../workers/subscriptions';
import {
  brokerUsers,
  topologyOptionsOf,
  type BrokerAccessSettings,
  type BrokerConfig,
} from './broker-users';

/**
 * The interface's side as linebacker needs it provisioned: its two queues, the parking
 * queue of the reply queue, and one direct exchange per writer bound to its queues only.
 */
export function interfaceTopology(config: BrokerConfig): Topology {
  const request = config.interfaceRequestQueue;
  const reply = config.interfaceReplyQueue;
  const parked = parkedQueueName(reply);
  return {
    exchanges: [
      { name: config.interfaceRequestExchange, type: 'direct' },
      { name: config.interfaceReplyExchange, type: 'direct' },
    ],
    // No queue type, as the interface's own consumer and publisher declare them.
    queues: [
      { name: request, arguments: {} },
      { name: reply, arguments: {} },
      { name: parked, arguments: { ...DEFAULT_PARKED_QUEUE_ARGUMENTS } },
    ],
    bindings: [
      { exchange: config.interfaceRequestExchange, queue: request, routingKey: request },
      { exchange: config.interfaceReplyExchange, queue: reply, routingKey: reply },
      { exchange: config.interfaceReplyExchange, queue: parked, routingKey: parked },
    ],
  };
}

/**
 * RabbitMQ definitions of a whole deployment: both vhosts, every user's permissions, the
 * pipeline's topology and the interface's. Users are not in it: they get their passwords
 * from secret files when `tools/security/provision-rabbitmq.sh` creates them, and the
 * definitions import would reset a listed user's password.
 */
export function brokerDefinitions(settings: BrokerAccessSettings): Definitions {
  const { config, vhost, interfaceVhost } = settings;
  const users = brokerUsers(settings);
  const pipeline = definitionsOf(
    buildTopology(allSubscriptions(config), topologyOptionsOf(config)),
    vhost,
  );
  const external = definitionsOf(interfaceTopology(config), interfaceVhost);
  const section = (name: string) => [...(pipeline[name] ?? []), ...(external[name] ?? [])];
  return {
    vhosts: [{ name: vhost }, { name: interfaceVhost }],
    permissions: users.flatMap((user) =>
      user.permissions.map(({ vhost: where, configure, write, read }) => ({
        user: user.name,
        vhost: where,
        configure,
        write,
        read,
      })),
    ),
    exchanges: section('exchanges'),
    queues: section('queues'),
    bindings: section('bindings'),
  };
}
