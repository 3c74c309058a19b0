import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PersistenceConfig } from './config/persistence.config';
import { toPersistenceError } from './pg-errors';
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

/** A number checked to be the integer it must be before it goes into SQL text as a literal. */
export function sqlInteger(value: number): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
  return value;
}

/** Hooks a process may attach to the pool. */
export interface DatabaseHooks {
  /**
   * An idle pooled connection failed (typically the server restarted). The pool already
   * dropped it and the next checkout reconnects; this is for logging only.
   */
  onPoolError?: (error: Error) => void;
}

/**
 * A pg client that listens for its own 'error' events for its whole life. pg emits 'error'
 * when the server ends a session while no query is running (`pg_terminate_backend`, a
 * restart); pg-pool listens only while a client sits idle, and a session killed while a
 * unit of work holds its client between two queries has no other listener, so the event
 * would kill the process (seen in the chaos suite). The pool still gets the error through
 * its own listener, and a client that failed is never reused.
 */
function clientClassFor(hooks: DatabaseHooks): typeof pg.Client {
  return class ListenedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.on('error', (error: Error) => hooks.onPoolError?.(error));
    }
  };
}

/** The pg pool settings of a config: every bound explicit (node-postgres has none by default). */
export function poolConfig(config: PersistenceConfig, hooks: DatabaseHooks = {}): pg.PoolConfig {
  return {
    connectionString: config.url,
    application_name: config.applicationName,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs,
    query_timeout: config.queryTimeoutMs,
    idle_in_transaction_session_timeout: config.idleInTransactionTimeoutMs,
    idleTimeoutMillis: config.idleTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: config.keepAliveInitialDelayMs,
    types: DATE_AS_TEXT_TYPES,
    Client: clientClassFor(hooks),
  };
}

/** A row as node-postgres returns it: column names to parsed values. */
export type Row = Record<string, unknown>;

/** Statement names by SQL text; bounded so a caller with ever-new texts cannot grow it. */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 64;

/** The name a statement text is prepared under (undefined once the bound is reached). */
function statementName(sql: string): string | undefined {
  const known = statementNames.get(sql);
  if (known !== undefined || statementNames.size >= MAX_NAMED_STATEMENTS) return known;
  const name = `lb_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
  statementNames.set(sql, name);
  return name;
}

/** One pooled connection, lent to a unit of work by {@link Database.withSession}. */
export class Session {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly namedStatements: boolean,
  ) {}

  /**
   * Runs one statement unnamed and returns its rows. Without parameters it goes by the simple
   * protocol, which also takes several statements (`BEGIN; SET LOCAL …`): then the rows are
   * the last statement's.
   */
  async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    const result = (await this.client.query<Row>(sql, params)) as
      pg.QueryResult<Row> | Array<pg.QueryResult<Row>>;
    return Array.isArray(result) ? (result[result.length - 1]?.rows ?? []) : result.rows;
  }

  /**
   * Runs one statement of the hot path as a named prepared statement: each pooled connection
   * parses it once and can reuse its plan, where an unnamed statement is parsed and planned
   * on every call (measured with pg_stat_statements: planning took 40-200 % of the execution
   * time of the pipeline's statements). Only for statements whose texts form a small fixed
   * set; past {@link MAX_NAMED_STATEMENTS} distinct texts a statement runs unnamed, as every
   * statement does where connections share one server session (their names would clash).
   */
  async prepared(sql: string, values: unknown[]): Promise<Row[]> {
    const name = this.namedStatements ? statementName(sql) : undefined;
    if (name === undefined) return this.rows(sql, values);
    return (await this.client.query<Row>({ name, text: sql, values })).rows;
  }
}

/** A failure of the caller's own callback (e.g. the relay's publish): never remapped. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** Runs a callback inside a unit of work so that whatever it throws reaches the caller unchanged. */
export async function passThrough<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new CallbackFailure(error);
  }
}

/**
 * After a client-side read timeout the server may still answer the abandoned query, and the
 * next borrower would queue behind it: such a connection is closed instead of returned.
 * (pg-pool itself drops a connection that has ended.)
 */
const isSuspect = (error: unknown): error is Error =>
  error instanceof Error && /query read timeout/i.test(error.message);

/** Transaction-local settings, applied in the same round trip as BEGIN. */
export interface TransactionSettings {
  /** How long a statement may wait for a row or key lock before failing with 55P03. */
  lockTimeoutMs?: number;
}

function beginSql(settings: TransactionSettings): string {
  if (settings.lockTimeoutMs === undefined) return 'BEGIN';
  return `BEGIN; SET LOCAL lock_timeout = ${Math.max(1, Math.trunc(settings.lockTimeoutMs))}`;
}

/**
 * linebacker's connection pool: node-postgres' pool with linebacker's bounds, error mapping
 * and statement naming. The running apps reach PostgreSQL only through this; TypeORM is
 * loaded only to apply migrations (ADR 0407).
 */
export class Database {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    /** What the pool was opened with (migrations open their own connection from it). */
    readonly config: PersistenceConfig,
  ) {}

  /**
   * Borrows one pooled connection for `work` and returns it afterwards. Every database
   * failure, failing to get a connection included, is mapped to linebacker's error taxonomy;
   * what a {@link passThrough} callback throws reaches the caller unchanged.
   */
  async withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toPersistenceError(error);
    }
    let suspect: Error | undefined;
    try {
      return await work(new Session(client, this.config.sessionPerConnection));
    } catch (error) {
      if (error instanceof CallbackFailure) throw error.error;
      if (isSuspect(error)) suspect = error;
      throw toPersistenceError(error);
    } finally {
      client.release(suspect);
    }
  }

  /**
   * Runs `work` in one transaction: BEGIN (with any settings, in the same round trip), the
   * work, COMMIT; any failure rolls back.
   */
  inTransaction<T>(
    work: (session: Session) => Promise<T>,
    settings: TransactionSettings = {},
  ): Promise<T> {
    return this.withSession(async (session) => {
      await session.rows(beginSql(settings));
      try {
        const result = await work(session);
        await session.rows('COMMIT');
        return result;
      } catch (error) {
        // If the connection is gone, the server rolls the transaction back by itself.
        await session.rows('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Runs one statement on a pooled connection and returns its rows, typed as the caller says. */
  query<T extends object = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.withSession(async (session) => (await session.rows(sql, params)) as T[]);
  }

  /** Closes every pooled connection once the ones lent out come back; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

/**
 * Opens linebacker's pool on `config` and checks that the server answers; a failure is a
 * mapped linebacker error. Unless the config says the server shares one session by design,
 * it first checks that connections are sessions of their own ({@link assertSessionPerConnection}).
 */
export async function openDatabase(
  config: PersistenceConfig,
  hooks: DatabaseHooks = {},
): Promise<Database> {
  if (config.sessionPerConnection) await assertSessionPerConnection(config);
  const pool = new pg.Pool(poolConfig(config, hooks));
  // Without a listener an idle connection's error would be an unhandled 'error' event.
  pool.on('error', (error: Error) => hooks.onPoolError?.(error));
  const { outboxLane } = config;
  if (outboxLane !== undefined) {
    const lane = sqlInteger(outboxLane);
    // Queued on the new connection before anything the pool's caller sends. Should it fail,
    // that connection's rows get lane 0, which every relay's sweep takes once they are old.
    pool.on('connect', (client: pg.PoolClient) => {
      client
        .query(`SET linebacker.outbox_lane = ${lane}`)
        .catch((error: Error) => hooks.onPoolError?.(error));
    });
  }
  const database = new Database(pool, config);
  try {
    await pingDatabase(database);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return database;
}

/** One round trip to the server, for readiness probes; failures are mapped. */
export async function pingDatabase(database: Database): Promise<void> {
  await database.query('SELECT 1');
}
