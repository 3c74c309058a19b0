// No SDK import here, for the same reason as ./azure-account.config.ts: every process that
// talks to the backup interface parses these keys, over AMQP as well as over Azure.
import { ConfigError, parse, type ConfigSchema } from '@linebacker/runtime';
import {
  azureAccountConfigSchema,
  azureAccountProblems,
  type AzureAccountConfig,
} from './azure-account.config';

/** How linebacker reaches the backup interface's queues. */
export const INTERFACE_TRANSPORTS = ['amqp', 'azure-queue'] as const;
/** One of INTERFACE_TRANSPORTS. */
export type InterfaceTransport = (typeof INTERFACE_TRANSPORTS)[number];

/** Where the backup interface's queues are: the transport and, on Azure, the account and queues. */
export interface InterfaceQueuesConfig extends AzureAccountConfig {
  interfaceTransport: InterfaceTransport;
  interfaceAzureRequestQueue: string;
  interfaceAzureReplyQueue: string;
}

/**
 * The keys that say where the interface's queues are, shared by the pipeline's apps and the
 * interface simulator, so both ends of a queue read it from the same variables. A process
 * that only reads the queues' depths (the receiver's healthz) needs no more than these.
 */
export const interfaceQueuesConfigSchema: ConfigSchema<InterfaceQueuesConfig> = {
  interfaceTransport: {
    env: 'LINEBACKER_INTERFACE_TRANSPORT',
    doc:
      "how the backup interface's queues are reached: `amqp` (RabbitMQ at LINEBACKER_INTERFACE_AMQP_URL) " +
      'or `azure-queue` (Azure Storage Queues at LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING or ' +
      'LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL)',
    default: 'amqp',
    parse: parse.oneOf(...INTERFACE_TRANSPORTS),
  },
  ...azureAccountConfigSchema,
  interfaceAzureRequestQueue: {
    env: 'LINEBACKER_INTERFACE_AZURE_REQUEST_QUEUE',
    doc: 'Azure queue the interface takes requests from (lowercase letters, digits, hyphens)',
    default: 'backup-interface-requests',
    parse: parse.string,
  },
  interfaceAzureReplyQueue: {
    env: 'LINEBACKER_INTERFACE_AZURE_REPLY_QUEUE',
    doc: 'Azure queue the interface puts status replies on; poisoned replies go to `<queue>-poison`',
    default: 'backup-interface-replies',
    parse: parse.string,
  },
};

/** How message text is put on the interface's Azure queues, for a process that sends or receives. */
export interface InterfaceAzureEncodingConfig {
  interfaceAzureEncoding: 'base64' | 'text';
}

/** The encoding key: both ends of a queue must agree, so they read the same variable. */
export const interfaceAzureEncodingConfigSchema: ConfigSchema<InterfaceAzureEncodingConfig> = {
  interfaceAzureEncoding: {
    env: 'LINEBACKER_INTERFACE_AZURE_ENCODING',
    doc: 'message text on the Azure queues: `base64` (what Azure Functions read) or `text`',
    default: 'base64',
    parse: parse.oneOf('base64', 'text'),
  },
};

/**
 * Checks the interface queue keys taken together: with the Azure transport, the account keys
 * must be complete (see `azureAccountProblems`); over AMQP they are not read at all.
 */
export function validateInterfaceQueuesConfig(config: InterfaceQueuesConfig): void {
  if (config.interfaceTransport !== 'azure-queue') return;
  const problems = azureAccountProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
}
