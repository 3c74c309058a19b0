import {
  interfaceAzureEncodingConfigSchema,
  interfaceQueuesConfigSchema,
  validateInterfaceQueuesConfig,
  type InterfaceAzureEncodingConfig,
  type InterfaceQueuesConfig,
} from '@linebacker/azure-queues/config';
import { ConfigError, parse, type ConfigSchema } from '@linebacker/runtime';

// Where the interface's queues are is defined beside the account keys, because the simulator
// reads the same variables; re-exported so the pipeline's apps keep one import for its keys.
export {
  interfaceQueuesConfigSchema,
  validateInterfaceQueuesConfig,
  type InterfaceQueuesConfig,
} from '@linebacker/azure-queues/config';

/** The backup interface's queue settings (send-to-interface, interface-receiver). */
export interface InterfaceConfig extends InterfaceQueuesConfig, InterfaceAzureEncodingConfig {
  interfaceAmqpUrl: string;
  interfaceAmqpPassword: string;
  interfaceRequestQueue: string;
  interfaceReplyQueue: string;
  interfaceRequestExchange: string;
  interfaceReplyExchange: string;
  interfaceAzureVisibilityTimeoutMs: number;
  interfaceAzurePollMaxDelayMs: number;
  interfaceAzureDeliveryLimit: number;
}

/** Keys of the backup interface connection (its own URL: it may be another broker or vhost). */
export const interfaceConfigSchema: ConfigSchema<InterfaceConfig> = {
  ...interfaceQueuesConfigSchema,
  interfaceAmqpUrl: {
    env: 'LINEBACKER_INTERFACE_AMQP_URL',
    doc:
      "the backup interface's RabbitMQ URL, or a comma-separated list of its cluster's node URLs " +
      '(a lost connection moves on to the next node, in the order LINEBACKER_AMQP_NODE_ORDER ' +
      'says); required when LINEBACKER_INTERFACE_TRANSPORT=amqp',
    default: '',
    secret: true,
    parse: parse.urlList('amqp', 'amqps'),
  },
  interfaceAmqpPassword: {
    env: 'LINEBACKER_INTERFACE_AMQP_PASSWORD',
    doc: "password of LINEBACKER_INTERFACE_AMQP_URL's user (on every node), in place of the URL's",
    default: '',
    secret: true,
    parse: parse.string,
  },
  interfaceRequestQueue: {
    env: 'LINEBACKER_INTERFACE_REQUEST_QUEUE',
    doc: 'queue the interface takes requests from',
    default: 'backup-interface.requests',
    parse: parse.string,
  },
  interfaceReplyQueue: {
    env: 'LINEBACKER_INTERFACE_REPLY_QUEUE',
    doc: 'queue the interface puts status replies on',
    default: 'backup-interface.replies',
    parse: parse.string,
  },
  interfaceRequestExchange: {
    env: 'LINEBACKER_INTERFACE_REQUEST_EXCHANGE',
    doc:
      'exchange send-to-interface sends requests through (routing key: the request queue); ' +
      'empty: the default exchange, whose write permission reaches every queue of the vhost',
    default: '',
    parse: parse.string,
  },
  interfaceReplyExchange: {
    env: 'LINEBACKER_INTERFACE_REPLY_EXCHANGE',
    doc:
      'exchange interface-receiver parks and puts back replies through (routing key: the queue); ' +
      'empty: the default exchange',
    default: '',
    parse: parse.string,
  },
  ...interfaceAzureEncodingConfigSchema,
  interfaceAzureVisibilityTimeoutMs: {
    env: 'LINEBACKER_INTERFACE_AZURE_VISIBILITY_TIMEOUT_MS',
    doc: 'how long a received reply stays hidden from other receivers; 0: LINEBACKER_HANDLER_TIMEOUT_MS + 30 s',
    default: 0,
    parse: parse.integer(0, 7 * 24 * 3600 * 1000),
  },
  interfaceAzurePollMaxDelayMs: {
    env: 'LINEBACKER_INTERFACE_AZURE_POLL_MAX_DELAY_MS',
    doc: 'longest wait between polls of an empty reply queue (waits double from 100 ms up to this)',
    default: 1000,
    parse: parse.integer(100, 60_000),
  },
  interfaceAzureDeliveryLimit: {
    env: 'LINEBACKER_INTERFACE_AZURE_DELIVERY_LIMIT',
    doc: 'receives of one reply (its dequeueCount) before it is moved to the poison queue',
    default: 5,
    parse: parse.integer(1, 1000),
  },
};

/** Checks the interface keys taken together: the chosen transport's connection is set. */
export function validateInterfaceConfig(config: InterfaceConfig): void {
  if (config.interfaceTransport === 'amqp' && config.interfaceAmqpUrl === '')
    throw new ConfigError([
      'LINEBACKER_INTERFACE_AMQP_URL is required when LINEBACKER_INTERFACE_TRANSPORT=amqp',
    ]);
  validateInterfaceQueuesConfig(config);
}
