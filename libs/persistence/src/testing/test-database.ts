import { createTestDatabase, testNamespace } from '@linebacker/testing';
import { Client } from 'pg';
import { persistenceConfig, type PersistenceConfig } from '../config/persistence.config';
import { openDatabase, type Database, type DatabaseHooks } from '../database';
import { runMigrations } from '../migrations/run-migrations';

/** A migrated scratch database for one suite, with a pool that names itself uniquely. */
export interface TestPersistence {
  url: string;
  database: Database;
  /** The pool's application_name, to find its backends in pg_stat_activity. */
  applicationName: string;
  /** Another pool on the same database, closed by `stop`. */
  openPool(
    overrides?: Partial<Omit<PersistenceConfig, 'url'>>,
    hooks?: DatabaseHooks,
  ): Promise<Database>;
  /** A plain pg client on the same database (for locks held by hand), closed by `stop`. */
  admin(): Promise<Client>;
  stop(): Promise<void>;
}

/** Creates a fresh database, runs the real migrations on it and opens a pool. */
export async function openTestPersistence(
  prefix: string,
  overrides: Partial<Omit<PersistenceConfig, 'url'>> = {},
  options: { migrate?: boolean } = {},
): Promise<TestPersistence> {
  const scratch = await createTestDatabase(prefix);
  const pools: Database[] = [];
  const clients: Client[] = [];
  const openPool = async (
    more: Partial<Omit<PersistenceConfig, 'url'>> = {},
    hooks: DatabaseHooks = {},
  ): Promise<Database> => {
    const applicationName = more.applicationName ?? testNamespace(`lb-${prefix}`);
    const config = persistenceConfig(scratch.url, { poolSize: 12, ...overrides, ...more });
    const opened = await openDatabase({ ...config, applicationName }, hooks);
    pools.push(opened);
    return opened;
  };
  const applicationName = overrides.applicationName ?? testNamespace(`lb-${prefix}`);
  const database = await openPool({ applicationName });
  if (options.migrate !== false) await runMigrations(database);
  return {
    url: scratch.url,
    database,
    applicationName,
    openPool,
    admin: async () => {
      const client = new Client({ connectionString: scratch.url });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      return client;
    },
    stop: async () => {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
      await scratch.stop();
    },
  };
}
