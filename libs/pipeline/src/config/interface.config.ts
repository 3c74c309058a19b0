import { parse, type ConfigSchema } from '@linebacker/runtime';

/** The backup interface's broker settings (send-to-interface, interface-receiver). */
export interface InterfaceConfig {
  interfaceAmqpUrl: string;
  interfaceRequestQueue: string;
  interfaceReplyQueue: string;
}

/** Keys of the backup interface connection (its own URL: it may be another broker or vhost). */
export const interfaceConfigSchema: ConfigSchema<InterfaceConfig> = {
  interfaceAmqpUrl: {
    env: 'LINEBACKER_INTERFACE_AMQP_URL',
    doc: "the backup interface's RabbitMQ URL",
    secret: true,
    parse: parse.url('amqp', 'amqps'),
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
};
