import pg from 'pg';
import { DataSource } from 'typeorm';
import type { PersistenceConfig } from './config/persistence.config';
import { ALL_MIGRATIONS, MIGRATIONS_TABLE_NAME } from './migrations/migrations';
import { toPersistenceError } from './pg-errors';
import { runStatementsUnnamed } from './repositories/connection';
import { ALL_ENTITY_SCHEMAS } from './schema/entity-schemas';
import { assertSessionPerConnection } from './session-probe';

/** PostgreSQL's type oid for `date`. */
const DATE_OID = 1082;

/**
 * Type parsers for this pool only. pg turns a `date` into a JS Date at local midnight, which
 * shifts the calendar day as soon as anyone formats it in UTC or another zone; the domain
 * wants the `YYYY-MM-DD` text, so the text is passed through untouched. Scoped to the pool
 * (not `pg.types`) so no other pg user in the process is affected.
 */
export const DATE_AS_TEXT_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID && format !== 'binary'
      ? (value: string) => value
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Hooks a process may attach to the pool. */
export interface DataSourceHooks {
  /**
   * An idle pooled connection failed (typically the server restarted). The pool already
   * dropped it and the next checkout reconnects; this is for logging only.
   */
  onPoolError?: (error: Error) => void;
}

/**
 * A pg client that listens for its own 'error' events for its whole life. pg emits 'error'
 * when the server ends a session while no query is running (`pg_terminate_backend`, a
 * restart); pg-pool listens only while a client sits idle and TypeORM only while a query
 * runner holds it, and a session killed in the hand-over between the two has no listener,
 * so the event would kill the process (seen in the chaos suite). The pool and TypeORM still
 * get the error through their own listeners, and a client that failed is never reused.
 */
function clientClassFor(hooks: DataSourceHooks): typeof pg.Client {
  return class ListenedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.on('error', (error: Error) => hooks.onPoolError?.(error));
    }
  };
}

/**
 * A TypeORM DataSource (not yet initialized) for linebacker's schema. The pg driver is passed
 * explicitly so bundlers see it; schema changes happen only through the migrations.
 */
export function createDataSource(
  config: PersistenceConfig,
  hooks: DataSourceHooks = {},
): DataSource {
  const dataSource = new DataSource({
    type: 'postgres',
    driver: pg,
    url: config.url,
    applicationName: config.applicationName,
    poolSize: config.poolSize,
    connectTimeoutMS: config.connectTimeoutMs,
    entities: ALL_ENTITY_SCHEMAS,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE_NAME,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    // Without a listener an idle connection's error would be an unhandled 'error' event.
    poolErrorHandler: (error: Error) => hooks.onPoolError?.(error),
    extra: {
      statement_timeout: config.statementTimeoutMs,
      query_timeout: config.queryTimeoutMs,
      idle_in_transaction_session_timeout: config.idleInTransactionTimeoutMs,
      idleTimeoutMillis: config.idleTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: config.keepAliveInitialDelayMs,
      types: DATE_AS_TEXT_TYPES,
      Client: clientClassFor(hooks),
    },
  });
  if (!config.sessionPerConnection) runStatementsUnnamed(dataSource);
  return dataSource;
}

/**
 * Creates and connects a DataSource; a failure to connect is a mapped linebacker error. Unless
 * the config says the server shares one session by design, it first checks that connections
 * are sessions of their own ({@link assertSessionPerConnection}).
 */
export async function openDataSource(
  config: PersistenceConfig,
  hooks: DataSourceHooks = {},
): Promise<DataSource> {
  if (config.sessionPerConnection) await assertSessionPerConnection(config);
  const dataSource = createDataSource(config, hooks);
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw toPersistenceError(error);
  }
}

/** One round trip to the server, for readiness probes; failures are mapped. */
export async function pingDatabase(dataSource: DataSource): Promise<void> {
  try {
    await dataSource.query('SELECT 1');
  } catch (error) {
    throw toPersistenceError(error);
  }
}
