import {
  interfaceAzureEncodingConfigSchema,
  interfaceQueuesConfigSchema,
  type InterfaceAzureEncodingConfig,
  type InterfaceQueuesConfig,
} from '@linebacker/azure-queues/config';
import { parse, type ConfigSchema } from '@linebacker/runtime';

// The tools that start the simulator (the bench) may not import an adapter lib, and pick its
// transport from the same list the apps parse.
export { INTERFACE_TRANSPORTS, type InterfaceTransport } from '@linebacker/azure-queues/config';

/** The backup interface simulator's settings. */
export interface InterfaceSimulatorConfig
  extends InterfaceQueuesConfig, InterfaceAzureEncodingConfig {
  amqpUrl: string;
  amqpPassword: string;
  requestQueue: string;
  replyQueue: string;
  replyDelayMs: number;
  failedShare: number;
  silentShare: number;
  prefetch: number;
  port: number;
  host: string;
}

/** Every key `sim-backup-interface` reads. */
export const interfaceSimulatorConfigSchema: ConfigSchema<InterfaceSimulatorConfig> = {
  // The same variables as the pipeline's, so the simulator answers on the queues it uses.
  ...interfaceQueuesConfigSchema,
  ...interfaceAzureEncodingConfigSchema,
  amqpUrl: {
    env: 'LINEBACKER_INTERFACE_AMQP_URL',
    doc: "the interface's RabbitMQ, or a comma-separated list of its cluster's node URLs",
    default: 'amqp://guest:guest@127.0.0.1:5672',
    secret: true,
    parse: parse.urlList('amqp', 'amqps'),
  },
  amqpPassword: {
    env: 'LINEBACKER_INTERFACE_AMQP_PASSWORD',
    doc: "password of LINEBACKER_INTERFACE_AMQP_URL's user, in place of the URL's",
    default: '',
    secret: true,
    parse: parse.string,
  },
  requestQueue: {
    env: 'LINEBACKER_INTERFACE_REQUEST_QUEUE',
    doc: 'queue requests arrive on',
    default: 'backup-interface.requests',
    parse: parse.string,
  },
  replyQueue: {
    env: 'LINEBACKER_INTERFACE_REPLY_QUEUE',
    doc: 'queue replies go to',
    default: 'backup-interface.replies',
    parse: parse.string,
  },
  replyDelayMs: {
    env: 'LINEBACKER_SIM_REPLY_DELAY_MS',
    doc: 'delay before each reply',
    default: 50,
    parse: parse.integer(0),
  },
  failedShare: {
    env: 'LINEBACKER_SIM_FAILED_SHARE',
    doc: 'share of Failed replies (0..1)',
    default: 0.1,
    parse: parse.number(0, 1),
  },
  silentShare: {
    env: 'LINEBACKER_SIM_SILENT_SHARE',
    doc: 'share of requests never answered (0..1), to try the reply deadline',
    default: 0,
    parse: parse.number(0, 1),
  },
  prefetch: {
    env: 'LINEBACKER_SIM_PREFETCH',
    doc: 'requests held at once (each until replied)',
    default: 500,
    parse: parse.integer(1, 1000),
  },
  port: {
    env: 'LINEBACKER_SIM_INTERFACE_PORT',
    doc: 'port of /stats',
    default: 8082,
    parse: parse.integer(0, 65535),
  },
  host: {
    env: 'LINEBACKER_SIM_INTERFACE_HOST',
    doc: 'address of /stats',
    default: '127.0.0.1',
    parse: parse.string,
  },
};

/** The backup job service simulator's settings. */
export interface JobServiceSimulatorConfig {
  port: number;
  host: string;
  jobsFile: string;
}

/** Every key `sim-backup-job-service` reads. */
export const jobServiceSimulatorConfigSchema: ConfigSchema<JobServiceSimulatorConfig> = {
  port: {
    env: 'LINEBACKER_SIM_JOBS_PORT',
    doc: 'port of the simulated job service',
    default: 8081,
    parse: parse.integer(0, 65535),
  },
  host: {
    env: 'LINEBACKER_SIM_JOBS_HOST',
    doc: 'address to listen on',
    default: '127.0.0.1',
    parse: parse.string,
  },
  jobsFile: {
    env: 'LINEBACKER_SIM_JOBS_FILE',
    // Empty means the fixture the build copies beside the bundle.
    doc: 'JSON fixture of backup jobs (empty: `fixtures/jobs.json` beside the bundle)',
    default: '',
    parse: parse.string,
  },
};

/** Each simulator app by name (its Nx project and bundle folder). */
export const SIMULATOR_CONFIG_SCHEMAS = {
  'sim-backup-job-service': jobServiceSimulatorConfigSchema,
  'sim-backup-interface': interfaceSimulatorConfigSchema,
} as const;
