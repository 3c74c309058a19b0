import { parse, type ConfigSchema } from '@linebacker/runtime';

/** The backup interface's broker settings (send-to-interface, interface-receiver). */
export interface InterfaceConfig {
  interfaceAmqpUrl: string;
  interfaceAmqpPassword: string;
  interfaceRequestQueue: string;
  interfaceReplyQueue: string;
  interfaceRequestExchange: string;
  interfaceReplyExchange: string;
}

/** Keys of the backup interface connection (its own URL: it may be another broker or vhost). */
export const interfaceConfigSchema: ConfigSchema<InterfaceConfig> = {
  interfaceAmqpUrl: {
    env: 'LINEBACKER_INTERFACE_AMQP_URL',
    doc:
      "the backup interface's RabbitMQ URL, or a comma-separated list of its cluster's node URLs: " +
      'a lost connection moves on to the next node, in the order LINEBACKER_AMQP_NODE_ORDER says',
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
};
