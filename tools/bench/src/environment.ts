import { Client } from 'pg';
import {
  createTestDatabase,
  deleteBrokerNamespace,
  rabbitmqForTests,
  testNamespace,
} from '@linebacker/testing';
import type { Cleanup } from './cleanup';

/** A fresh database and broker namespace for one stack, both removed by the clean-up. */
export interface RunEnvironment {
  databaseUrl: string;
  databaseName: string;
  amqpUrl: string;
  namespace: string;
  /** The bench's own connection (counts its own queries so they can be left out of totals). */
  db: CountingClient;
  /** Drops the database and deletes the namespace now (also registered with the clean-up). */
  close(): Promise<void>;
}

/** A pg client that counts the statements it ran (each one is a transaction of its own). */
export class CountingClient {
  statements = 0;
  constructor(readonly client: Client) {}

  /** One autocommit statement. */
  async query<R extends Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    this.statements += 1;
    const result = await this.client.query<R>(sql, params);
    return result.rows;
  }
}

/** Creates the database and picks the namespace for one stack. */
export async function openRunEnvironment(cleanup: Cleanup, label: string): Promise<RunEnvironment> {
  const database = await createTestDatabase(`bench_${label}`);
  const broker = await rabbitmqForTests();
  const namespace = testNamespace(`bench${label}`);
  const client = new Client({ connectionString: database.url });
  await client.connect();
  const close = cleanup.add(`database and namespace ${namespace}`, async () => {
    try {
      await client.end().catch(() => undefined);
      await deleteBrokerNamespace(broker.url, namespace);
    } finally {
      await database.stop();
      await broker.stop();
    }
  });
  return {
    databaseUrl: database.url,
    databaseName: new URL(database.url).pathname.slice(1),
    amqpUrl: broker.url,
    namespace,
    db: new CountingClient(client),
    close,
  };
}

/** Transaction and row counters of one database (pg_stat_database). */
export interface DatabaseCounters {
  xactCommit: number;
  xactRollback: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
}

/** Reads the counters of `databaseName` (flushed by each backend at most once a second). */
export async function databaseCounters(
  db: CountingClient,
  databaseName: string,
): Promise<DatabaseCounters> {
  const [row] = await db.query<Record<string, string>>(
    `SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted
       FROM pg_stat_database WHERE datname = $1`,
    [databaseName],
  );
  return {
    xactCommit: Number(row?.['xact_commit'] ?? 0),
    xactRollback: Number(row?.['xact_rollback'] ?? 0),
    tupInserted: Number(row?.['tup_inserted'] ?? 0),
    tupUpdated: Number(row?.['tup_updated'] ?? 0),
    tupDeleted: Number(row?.['tup_deleted'] ?? 0),
  };
}

/** Backend pids connected to `databaseName` other than the bench's own connection. */
export async function backendPids(db: CountingClient, databaseName: string): Promise<number[]> {
  const rows = await db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [databaseName],
  );
  return rows.map((row) => row.pid);
}
