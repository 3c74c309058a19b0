import { AmqpMessageBus, AmqpParkedMessages } from '@linebacker/messaging';
import type * as Persistence from '@linebacker/persistence';
import { PAYLOAD_SCHEMAS } from '@linebacker/pipeline';
import { required, type CliConfig } from './config';

/**
 * The persistence lib, loaded by the first command that needs the database, so that `--help`,
 * usage errors and the broker-only commands load neither pg nor the repositories (ADR 0008;
 * the lib itself loads TypeORM only to migrate, ADR 0407). A synchronous require, as
 * `loadAzureQueues` (ADR 0112).
 */
const loadPersistence = (): typeof Persistence =>
  require('@linebacker/persistence') as typeof Persistence;

/** The database side the commands use. */
export interface CliDatabase {
  database: Persistence.Database;
  /** A round trip to PostgreSQL. */
  ping(): Promise<void>;
  requests: Persistence.PostgresBackupRequestRepository;
  backups: Persistence.PostgresBackupRepository;
  callbackAttempts: Persistence.PostgresCallbackAttemptLog;
  outbox: Persistence.PostgresOutboxStore;
  retention: Persistence.PostgresRetentionStore;
}

/**
 * Connections opened on first use and closed at exit. They fail fast (one attempt, short
 * timeouts): an operator wants "unavailable" in seconds, not the services' patient start-up.
 */
export class CliConnections {
  private database?: Promise<CliDatabase>;
  private messageBus?: Promise<AmqpMessageBus>;
  private parked?: Promise<AmqpParkedMessages>;

  constructor(private readonly config: CliConfig) {}

  /** PostgreSQL with the repositories (exit 4 when unreachable). */
  db(): Promise<CliDatabase> {
    this.database ??= (async () => {
      const url = required(this.config.databaseUrl, 'LINEBACKER_DATABASE_URL');
      const {
        openDatabase,
        persistenceConfig,
        pingDatabase,
        PostgresBackupRepository,
        PostgresBackupRequestRepository,
        PostgresCallbackAttemptLog,
        PostgresOutboxStore,
        PostgresRetentionStore,
      } = loadPersistence();
      const database = await openDatabase(
        persistenceConfig(url, {
          applicationName: 'linebacker-cli',
          poolSize: 2,
          connectTimeoutMs: Math.min(this.config.dbConnectTimeoutMs, 5000),
          statementTimeoutMs: this.config.dbStatementTimeoutMs,
        }),
      );
      return {
        database,
        ping: () => pingDatabase(database),
        // Nothing the CLI does writes a request (retention only removes them); the service
        // name only labels history rows.
        requests: new PostgresBackupRequestRepository(database, { service: 'linebacker-cli' }),
        backups: new PostgresBackupRepository(database),
        callbackAttempts: new PostgresCallbackAttemptLog(database),
        outbox: new PostgresOutboxStore(database),
        retention: new PostgresRetentionStore(database),
      };
    })();
    return this.database;
  }

  /** linebacker's bus on RabbitMQ, in the configured namespace (exit 4 when unreachable). */
  bus(): Promise<AmqpMessageBus> {
    this.messageBus ??= (async () => {
      const bus = new AmqpMessageBus({
        url: required(this.config.amqpUrl, 'LINEBACKER_AMQP_URL'),
        password: this.config.amqpPassword,
        nodeOrder: this.config.amqpNodeOrder,
        quorumGroupSize: this.config.quorumGroupSize,
        connectionName: 'linebacker-cli',
        namespace: this.config.namespace,
        queueType: this.config.queueType,
        deliveryLimit: this.config.deliveryLimit,
        startupMaxAttempts: 1,
        connectTimeoutMs: 5000,
        payloadSchemas: PAYLOAD_SCHEMAS,
      });
      await bus.start();
      return bus;
    })();
    return this.messageBus;
  }

  /** `<reply queue>.parked` on the backup interface's RabbitMQ (exit 4 when unreachable). */
  parkedReplies(): Promise<AmqpParkedMessages> {
    this.parked ??= (async () => {
      const parked = new AmqpParkedMessages({
        url: required(this.config.interfaceAmqpUrl, 'LINEBACKER_INTERFACE_AMQP_URL'),
        password: this.config.interfaceAmqpPassword,
        nodeOrder: this.config.amqpNodeOrder,
        connectionName: 'linebacker-cli',
        queue: this.config.interfaceReplyQueue,
        exchange: this.config.interfaceReplyExchange,
        startupMaxAttempts: 1,
        connectTimeoutMs: 5000,
      });
      await parked.start();
      return parked;
    })();
    return this.parked;
  }

  /** Closes whatever was opened (errors ignored: the command's outcome is already known). */
  async close(): Promise<void> {
    const [database, bus, parked] = await Promise.all([
      this.database?.catch(() => undefined),
      this.messageBus?.catch(() => undefined),
      this.parked?.catch(() => undefined),
    ]);
    await bus?.stop(1000).catch(() => undefined);
    await parked?.stop().catch(() => undefined);
    await database?.database.close().catch(() => undefined);
  }
}
