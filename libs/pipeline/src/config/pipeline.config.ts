import { parse, type ConfigSchema } from '@linebacker/runtime';
import { NODE_ORDERS, type NodeOrder, type QuorumGroupSizeSetting } from '@linebacker/messaging';

/** Settings every pipeline service shares (database, broker, consumption, health, lifecycle). */
export interface PipelineConfig {
  databaseUrl: string;
  dbPoolSize: number;
  dbBatchMax: number;
  dbBatchLingerMs: number;
  dbConnectTimeoutMs: number;
  dbStatementTimeoutMs: number;
  runMigrations: boolean;
  amqpUrl: string;
  amqpPassword: string;
  amqpNodeOrder: NodeOrder;
  quorumGroupSize: QuorumGroupSizeSetting;
  topology: 'declare-all' | 'declare-own';
  namespace: string;
  queueType: 'quorum' | 'classic';
  deliveryLimit: number;
  prefetch: number;
  retryMaxAttempts: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  handlerTimeoutMs: number;
  outboxBatchSize: number;
  outboxPollIntervalMs: number;
  startupAttempts: number;
  healthHost: string;
  healthPort: number;
  logLevel: string;
  instanceId: string;
  stopDeadlineMs: number;
}

const int = parse.integer;

function quorumGroupSize(raw: string): QuorumGroupSizeSetting {
  if (raw === 'auto' || raw === 'none') return raw;
  if (!/^\d+$/.test(raw)) throw new Error('must be auto, none or a number of replicas');
  return int(1, 99)(raw);
}

/** The shared keys; `healthPort` defaults differ per app, so each app passes its own. */
export function pipelineConfigSchema(defaultHealthPort: number): ConfigSchema<PipelineConfig> {
  return {
    databaseUrl: {
      env: 'LINEBACKER_DATABASE_URL',
      doc: 'PostgreSQL URL',
      secret: true,
      parse: parse.url('postgres', 'postgresql'),
    },
    dbPoolSize: {
      env: 'LINEBACKER_DB_POOL_SIZE',
      // 5 keeps two instances of every service (13 processes) under PostgreSQL's default 100.
      doc: 'connections in the pool (instances x pool must stay under max_connections)',
      default: 5,
      parse: int(1, 200),
    },
    dbBatchMax: {
      env: 'LINEBACKER_DB_BATCH_MAX',
      doc: 'status changes (and reads) that arrive together go as one statement, up to this many; 1 = each alone',
      default: 50,
      parse: int(1, 1000),
    },
    dbBatchLingerMs: {
      env: 'LINEBACKER_DB_BATCH_LINGER_MS',
      doc: 'how long a group-commit batch waits after its first call for more to join; 0 = until the end of the event-loop turn',
      default: 0,
      parse: int(0, 100),
    },
    dbConnectTimeoutMs: {
      env: 'LINEBACKER_DB_CONNECT_TIMEOUT_MS',
      doc: 'connect / pool checkout timeout',
      default: 5000,
      parse: int(100),
    },
    dbStatementTimeoutMs: {
      env: 'LINEBACKER_DB_STATEMENT_TIMEOUT_MS',
      doc: 'server-side statement timeout',
      default: 15000,
      parse: int(100),
    },
    runMigrations: {
      env: 'LINEBACKER_RUN_MIGRATIONS',
      doc: 'apply pending migrations at start-up (advisory-locked)',
      default: false,
      parse: parse.boolean,
    },
    amqpUrl: {
      env: 'LINEBACKER_AMQP_URL',
      doc:
        "RabbitMQ URL for linebacker's own events, or a comma-separated list of a cluster's node URLs: " +
        'a lost connection moves on to the next node',
      secret: true,
      parse: parse.urlList('amqp', 'amqps'),
    },
    amqpPassword: {
      env: 'LINEBACKER_AMQP_PASSWORD',
      doc: "password of LINEBACKER_AMQP_URL's user (on every node), in place of the URL's (the URL then holds no secret)",
      default: '',
      secret: true,
      parse: parse.string,
    },
    amqpNodeOrder: {
      env: 'LINEBACKER_AMQP_NODE_ORDER',
      doc:
        'order in which the nodes of LINEBACKER_AMQP_URL (and LINEBACKER_INTERFACE_AMQP_URL) are tried: in-order (as listed, every instance prefers the first) ' +
        'or shuffle (an order drawn per instance, spreading connections over the nodes)',
      default: 'in-order',
      parse: parse.oneOf(...NODE_ORDERS),
    },
    quorumGroupSize: {
      env: 'LINEBACKER_QUORUM_INITIAL_GROUP_SIZE',
      doc:
        'replicas a quorum queue is created with: auto (3 when LINEBACKER_AMQP_URL lists 3 or more nodes, otherwise the ' +
        "broker's default), none (the broker's default) or a number; all instances must agree, as RabbitMQ refuses a " +
        'queue redeclared with another value',
      default: 'auto',
      parse: quorumGroupSize,
    },
    topology: {
      env: 'LINEBACKER_TOPOLOGY',
      doc:
        "declare-all: every instance declares the whole pipeline's topology (one broker user may configure everything); " +
        'declare-own: only its own queues, the events exchange merely checked, the rest provisioned beforehand (per-app users, ADR 0107)',
      default: 'declare-all',
      parse: parse.oneOf('declare-all', 'declare-own'),
    },
    namespace: {
      env: 'LINEBACKER_NAMESPACE',
      doc: 'prefix of every exchange and queue name (isolates stacks on one broker)',
      default: '',
      parse: parse.string,
    },
    queueType: {
      env: 'LINEBACKER_QUEUE_TYPE',
      doc: 'quorum or classic queues',
      default: 'quorum',
      parse: parse.oneOf('quorum', 'classic'),
    },
    deliveryLimit: {
      env: 'LINEBACKER_DELIVERY_LIMIT',
      doc: 'redeliveries before a message that crashes its worker is dead-lettered',
      default: 10,
      parse: int(1, 1000),
    },
    prefetch: {
      env: 'LINEBACKER_PREFETCH',
      doc: 'unacked deliveries per consumer',
      default: 50,
      parse: int(1, 10000),
    },
    retryMaxAttempts: {
      env: 'LINEBACKER_RETRY_MAX_ATTEMPTS',
      doc: 'deliveries of a message failing transiently before it is dead-lettered',
      default: 6,
      parse: int(1, 100),
    },
    retryInitialDelayMs: {
      env: 'LINEBACKER_RETRY_INITIAL_DELAY_MS',
      doc: 'first retry delay (doubles per attempt)',
      default: 1000,
      parse: int(10),
    },
    retryMaxDelayMs: {
      env: 'LINEBACKER_RETRY_MAX_DELAY_MS',
      doc: 'longest retry delay',
      default: 30000,
      parse: int(10),
    },
    handlerTimeoutMs: {
      env: 'LINEBACKER_HANDLER_TIMEOUT_MS',
      doc: 'a handler still running after this long counts as a transient failure',
      default: 30000,
      parse: int(100),
    },
    outboxBatchSize: {
      env: 'LINEBACKER_OUTBOX_BATCH_SIZE',
      doc: 'outbox rows published per relay transaction',
      default: 200,
      parse: int(1, 10000),
    },
    outboxPollIntervalMs: {
      env: 'LINEBACKER_OUTBOX_POLL_INTERVAL_MS',
      doc: 'relay safety-net poll (commits in this process wake it at once)',
      default: 1000,
      parse: int(10),
    },
    startupAttempts: {
      env: 'LINEBACKER_STARTUP_ATTEMPTS',
      doc: 'attempts to reach the database and broker at start-up before exiting 1',
      default: 10,
      parse: int(1, 1000),
    },
    healthHost: {
      env: 'LINEBACKER_HEALTH_HOST',
      doc: 'address of the livez/readyz/metrics port',
      default: '127.0.0.1',
      parse: parse.string,
    },
    healthPort: {
      env: 'LINEBACKER_HEALTH_PORT',
      doc: 'port of livez/readyz/metrics (0 = any free port)',
      default: defaultHealthPort,
      parse: int(0, 65535),
    },
    logLevel: {
      env: 'LINEBACKER_LOG_LEVEL',
      doc: 'error, warn, info or debug; a message handled as planned is logged at debug (ADR 0010)',
      default: 'info',
      parse: parse.oneOf('error', 'warn', 'info', 'debug'),
    },
    instanceId: {
      env: 'LINEBACKER_INSTANCE_ID',
      doc: 'instance name in logs (default host:pid)',
      default: '',
      parse: parse.string,
    },
    stopDeadlineMs: {
      env: 'LINEBACKER_STOP_DEADLINE_MS',
      doc: 'graceful stop budget on SIGTERM',
      default: 10000,
      parse: int(100),
    },
  };
}

/** The backup job service client settings (check-allowed, receive-status). */
export interface JobServiceConfig {
  jobServiceUrl: string;
  jobServiceTimeoutMs: number;
}

/** Keys of the backup job service client. */
export const jobServiceConfigSchema: ConfigSchema<JobServiceConfig> = {
  jobServiceUrl: {
    env: 'LINEBACKER_JOB_SERVICE_URL',
    doc: 'base URL of the backup job service',
    secret: true,
    parse: parse.url('http', 'https'),
  },
  jobServiceTimeoutMs: {
    env: 'LINEBACKER_JOB_SERVICE_TIMEOUT_MS',
    doc: 'per-call deadline',
    default: 2000,
    parse: parse.integer(50),
  },
};
