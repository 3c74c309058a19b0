import { randomInt } from 'node:crypto';
import {
  errorKindOf,
  type BackupRepository,
  type BackupRequestRepository,
  type CallbackAttemptLog,
  type OutboxStore,
  type RetentionStore,
} from '@linebacker/domain';
import {
  AmqpMessageBus,
  OutboxRelay,
  type MessageBus,
  type MessageBusObserver,
} from '@linebacker/messaging';
import {
  assertAppPrivileges,
  persistenceConfig,
  runMigrations,
  PostgresBackupRepository,
  PostgresBackupRequestRepository,
  PostgresCallbackAttemptLog,
  PostgresOutboxStore,
  PostgresRetentionStore,
  type Database,
} from '@linebacker/persistence';
import { settlesWithin, StopBudget, type Logger, type ServiceMetrics } from '@linebacker/runtime';
import type { PipelineConfig } from '../config/pipeline.config';
import { PAYLOAD_SCHEMAS } from '../messages/payload-schemas';
import { allSubscriptions } from '../workers/subscriptions';
import { batchFailureObserver } from './batch-failure-observer';
import { busObserver } from './bus-observer';
import { openDatabaseWithRetries } from './open-database';

/** The adapters one service instance shares: database, repositories, bus, outbox relay. */
export interface Infrastructure {
  database: Database;
  requests: BackupRequestRepository;
  backups: BackupRepository;
  /** Callback attempts (the notifier writes, the receiver reads; ADR 0214). */
  callbackAttempts: CallbackAttemptLog;
  outbox: OutboxStore;
  /** Retention's batches (recovery's schedule runs them). */
  retention: RetentionStore;
  bus: MessageBus;
  relay: OutboxRelay;
  /** Stops the relay (flushing what it can), the bus and the pool, in that order. */
  close(deadlineMs: number): Promise<void>;
}

/** What to open; `bus` replaces RabbitMQ (the embedded mode passes an in-memory bus). */
export interface InfrastructureOptions {
  service: string;
  config: PipelineConfig;
  logger: Logger;
  metrics: ServiceMetrics;
  bus?(observer: MessageBusObserver): MessageBus;
  /**
   * The database serves every connection from one session, one transaction at a time (the
   * embedded mode's PGlite server): no named prepared statements, no session check.
   */
  sharedDatabaseSession?: boolean;
}

async function connectDatabase(
  options: InfrastructureOptions,
  outboxLane: number | undefined,
): Promise<Database> {
  const { config, logger, service } = options;
  const settings = persistenceConfig(config.databaseUrl, {
    applicationName: service,
    poolSize: config.dbPoolSize,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    sessionPerConnection: options.sharedDatabaseSession !== true,
    outboxLane,
  });
  return openDatabaseWithRetries(settings, config.startupAttempts, logger, {
    prepare: async (database) => {
      if (config.runMigrations) {
        const applied = await runMigrations(database);
        logger.info('migrations applied', { applied });
      }
      // A role that cannot write (a reader's URL, a table without grants) stops the app here,
      // naming what it lacks, instead of failing each message later.
      await assertAppPrivileges(database);
    },
  });
}

function amqpBus(options: InfrastructureOptions, observer: MessageBusObserver): MessageBus {
  const { config, service } = options;
  return new AmqpMessageBus({
    url: config.amqpUrl,
    password: config.amqpPassword,
    nodeOrder: config.amqpNodeOrder,
    quorumGroupSize: config.quorumGroupSize,
    // declare-own: a privileged step provisioned the topology (ADR 0107); this app's user
    // may write to the events exchange but not configure it.
    declareExchange: config.topology === 'declare-all',
    connectionName: `${service}@${config.instanceId}`,
    namespace: config.namespace,
    queueType: config.queueType,
    deliveryLimit: config.deliveryLimit,
    startupMaxAttempts: config.startupAttempts,
    payloadSchemas: PAYLOAD_SCHEMAS,
    observer,
  });
}

/**
 * Opens everything a service needs, with bounded start-up retries: the database first (it
 * is the source of truth), then the bus, then the relay that drains this process's outbox
 * writes (woken on each commit, polling as a safety net).
 */
export async function openInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const { config, logger } = options;
  // This process's outbox lane (ADR 0412). A shared session (the embedded mode) has one
  // setting for every app of the process, so there every relay takes every row, as one would.
  const outboxLane = options.sharedDatabaseSession ? undefined : randomInt(1, 2 ** 31 - 1);
  const database = await connectDatabase(options, outboxLane);
  const outbox = new PostgresOutboxStore(database);
  let closing = false;
  const observer = busObserver(logger, options.metrics, () => closing);
  const bus = options.bus ? options.bus(observer) : amqpBus(options, observer);
  const relay = new OutboxRelay({
    store: outbox,
    bus,
    batchSize: config.outboxBatchSize,
    pollIntervalMs: config.outboxPollIntervalMs,
    lane: outboxLane,
    onTake: (count) => options.metrics.dbBatchSize.observe({ kind: 'relay' }, count),
    onError: (error, retryInMs) =>
      logger.log(errorKindOf(error) === 'permanent' ? 'error' : 'warn', 'outbox relay failed', {
        error: String(error),
        retryInMs,
      }),
    onSetAside: (record, error, retryInMs) => {
      options.metrics.outboxRowsSetAside.inc({ type: record.type });
      logger.error('outbox row set aside: it cannot be published', {
        messageId: record.messageId,
        type: record.type,
        correlationId: record.correlationId,
        sequence: record.sequence,
        error: String(error),
        retryInMs,
      });
    },
  });
  const requests = new PostgresBackupRequestRepository(database, {
    service: options.service,
    onOutboxWritten: () => relay.wake(),
    onBatchFailure: batchFailureObserver(logger, options.metrics),
    onBatch: (kind, size) => options.metrics.dbBatchSize.observe({ kind }, size),
    // Group commit: half the pool for batches of each kind, the rest for the relay and intake.
    batching:
      config.dbBatchMax > 1
        ? {
            maxBatch: config.dbBatchMax,
            maxInFlight: Math.max(1, Math.floor(config.dbPoolSize / 2)),
            lingerMs: config.dbBatchLingerMs,
          }
        : false,
  });
  try {
    await bus.start();
    // Every queue must exist before its consumer ever ran, so that an event published
    // meanwhile is kept and a mandatory publish never finds its queue missing (ADR 0203):
    // either every instance declares the whole pipeline's queues, or provisioning did. An
    // injected bus (the embedded mode's, in memory) has no users and nothing provisioned.
    if (config.topology === 'declare-all' || options.bus)
      await bus.declare(allSubscriptions(config));
  } catch (error) {
    await database.close();
    throw error;
  }
  relay.start();
  return {
    database,
    requests,
    backups: new PostgresBackupRepository(database),
    callbackAttempts: new PostgresCallbackAttemptLog(database),
    outbox,
    retention: new PostgresRetentionStore(database),
    bus,
    relay,
    async close(deadlineMs) {
      closing = true;
      const budget = new StopBudget(deadlineMs);
      await relay.stop(budget.left());
      await bus.stop(budget.left());
      // A batch the relay left behind still holds its connection: the pool gets a second at
      // least, then the process's exit closes what is left (PostgreSQL rolls it back).
      await settlesWithin(database.close(), Math.max(budget.left(), 1000));
    },
  };
}
