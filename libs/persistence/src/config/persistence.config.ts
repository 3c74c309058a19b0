/**
 * How linebacker talks to PostgreSQL. node-postgres has no timeouts at all by default: a
 * dead server or a stuck lock would hang a request forever, so every bound is explicit here.
 */
export interface PersistenceConfig {
  /** Connection URL, e.g. `postgres://user:pass@host:5432/linebacker`. */
  url: string;
  /** Most connections this process holds open at once. */
  poolSize: number;
  /** Shown in `pg_stat_activity`, so an operator can tell which app holds a connection. */
  applicationName: string;
  /** Bound on opening a connection and on waiting for a free one from the pool. */
  connectTimeoutMs: number;
  /** Server side: any single statement running longer is cancelled (SQLSTATE 57014). */
  statementTimeoutMs: number;
  /**
   * Client side: a query with no answer for this long is abandoned. A backstop for a silent
   * network; kept above `statementTimeoutMs` so the server normally cancels first.
   */
  queryTimeoutMs: number;
  /** Server side: a session idle inside an open transaction this long is terminated. */
  idleInTransactionTimeoutMs: number;
  /** Idle pooled connections are closed after this long. */
  idleTimeoutMs: number;
  /** TCP keepalive delay, so a half-open connection to a vanished server is noticed. */
  keepAliveInitialDelayMs: number;
  /**
   * `true` (PostgreSQL, or a pooler in session mode): each connection is a server session of
   * its own; checked when the pool opens, which refuses a server whose connections share
   * sessions. `false` only for a server that runs one session but gives it to one connection's
   * transaction at a time (the embedded mode's PGlite server): statements then run unnamed.
   */
  sessionPerConnection: boolean;
  /**
   * The lane every outbox row this process writes is stamped with (ADR 0412): each new
   * connection sets `linebacker.outbox_lane` to it, and the outbox's column default reads it.
   * Unset: no lane is set, and the rows get lane 0.
   */
  outboxLane?: number;
}

/** Defaults for everything but the URL: short enough to fail fast, long enough for real work. */
export const DEFAULT_PERSISTENCE_CONFIG: Omit<PersistenceConfig, 'url'> = {
  poolSize: 10,
  applicationName: 'linebacker',
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
  queryTimeoutMs: 20_000,
  idleInTransactionTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  keepAliveInitialDelayMs: 10_000,
  sessionPerConnection: true,
};

/** A full config from a URL and any overrides of the defaults. */
export function persistenceConfig(
  url: string,
  overrides: Partial<Omit<PersistenceConfig, 'url'>> = {},
): PersistenceConfig {
  return { ...DEFAULT_PERSISTENCE_CONFIG, ...overrides, url };
}
