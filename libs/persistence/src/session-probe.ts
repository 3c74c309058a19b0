import { PermanentError } from '@linebacker/domain';
import pg from 'pg';
import type { PersistenceConfig } from './config/persistence.config';
import { toPersistenceError } from './pg-errors';

/**
 * The server behind the URL gives several connections one session: a pooler in transaction or
 * statement mode. linebacker's named prepared statements, session advisory lock (migrations)
 * and per-connection timeouts all assume a session per connection, so it refuses to start.
 */
export class SharedDatabaseSessionsError extends PermanentError {
  constructor(detail: string) {
    super(
      'SharedDatabaseSessions',
      `postgresql: connections to LINEBACKER_DATABASE_URL share server sessions (${detail}). ` +
        'linebacker needs one server session per connection: connect to PostgreSQL directly, ' +
        'or set the pooler to session mode (PgBouncer: pool_mode = session).',
    );
    this.name = 'SharedDatabaseSessionsError';
  }
}

/**
 * A pooler refused one of the parameters pg sends at connect time (PgBouncer passes only a
 * few). Retrying cannot help, so it is permanent, and the message says what to configure.
 */
export class StartupParameterRefusedError extends PermanentError {
  constructor(detail: string) {
    super(
      'StartupParameterRefused',
      `postgresql: ${detail}. A pooler between linebacker and PostgreSQL refuses the ` +
        'per-connection timeouts: set ignore_startup_parameters = statement_timeout,' +
        'idle_in_transaction_session_timeout (PgBouncer) and set both on the role instead.',
    );
    this.name = 'StartupParameterRefusedError';
  }
}

const BACKEND_PID_SQL = 'SELECT pg_backend_pid() AS pid';

async function backendPid(client: pg.Client): Promise<number> {
  const result = await client.query<{ pid: number }>(BACKEND_PID_SQL);
  return result.rows[0]?.pid ?? -1;
}

/**
 * Checks that two connections are two server sessions. Connection A asks for its backend pid,
 * then B opens a transaction and asks for its own, then A asks again. PostgreSQL answers with
 * two pids, A's the same both times. A pooler in transaction mode hands B the server session
 * A just left (PgBouncer reuses the most recent one) and A a different one afterwards; in
 * statement mode B's transaction is refused. Either is reported as a
 * {@link SharedDatabaseSessionsError}, a refused connect-time parameter as a
 * {@link StartupParameterRefusedError}; other failures are mapped as any database error.
 */
export async function assertSessionPerConnection(config: PersistenceConfig): Promise<void> {
  const options: pg.ClientConfig = {
    connectionString: config.url,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs,
    query_timeout: config.queryTimeoutMs,
    application_name: `${config.applicationName}:session-probe`,
  };
  const a = new pg.Client(options);
  const b = new pg.Client(options);
  // A session ended by the server while idle emits 'error'; the query in flight reports it.
  a.on('error', () => undefined);
  b.on('error', () => undefined);
  let verdict: string | undefined;
  try {
    await a.connect();
    await b.connect();
    const before = await backendPid(a);
    try {
      await b.query('BEGIN');
    } catch (error) {
      throw new SharedDatabaseSessionsError(`a transaction was refused: ${String(error)}`);
    }
    const other = await backendPid(b);
    const after = await backendPid(a);
    await b.query('COMMIT');
    if (before === other) verdict = `backend ${other} served both connections`;
    else if (before !== after) verdict = `one connection moved from backend ${before} to ${after}`;
  } catch (error) {
    if (error instanceof SharedDatabaseSessionsError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/unsupported startup parameter/i.test(message))
      throw new StartupParameterRefusedError(message);
    throw toPersistenceError(error);
  } finally {
    await Promise.all([a.end().catch(() => undefined), b.end().catch(() => undefined)]);
  }
  if (verdict) throw new SharedDatabaseSessionsError(verdict);
}
