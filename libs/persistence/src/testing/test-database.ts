import { createTestDatabase, testNamespace } from '@linebacker/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { persistenceConfig, type PersistenceConfig } from '../config/persistence.config';
import { openDataSource, type DataSourceHooks } from '../data-source';
import { runMigrations } from '../migrations/migrations';

/** A migrated scratch database for one suite, with a pool that names itself uniquely. */
export interface TestPersistence {
  url: string;
  dataSource: DataSource;
  /** The pool's application_name, to find its backends in pg_stat_activity. */
  applicationName: string;
  /** Another pool on the same database, closed by `stop`. */
  openPool(
    overrides?: Partial<Omit<PersistenceConfig, 'url'>>,
    hooks?: DataSourceHooks,
  ): Promise<DataSource>;
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
  const database = await createTestDatabase(prefix);
  const pools: DataSource[] = [];
  const clients: Client[] = [];
  const openPool = async (
    more: Partial<Omit<PersistenceConfig, 'url'>> = {},
    hooks: DataSourceHooks = {},
  ): Promise<DataSource> => {
    const applicationName = more.applicationName ?? testNamespace(`lb-${prefix}`);
    const config = persistenceConfig(database.url, { poolSize: 12, ...overrides, ...more });
    const dataSource = await openDataSource({ ...config, applicationName }, hooks);
    pools.push(dataSource);
    return dataSource;
  };
  const applicationName = overrides.applicationName ?? testNamespace(`lb-${prefix}`);
  const dataSource = await openPool({ applicationName });
  if (options.migrate !== false) await runMigrations(dataSource);
  return {
    url: database.url,
    dataSource,
    applicationName,
    openPool,
    admin: async () => {
      const client = new Client({ connectionString: database.url });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      return client;
    },
    stop: async () => {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      await Promise.all(pools.filter((p) => p.isInitialized).map((p) => p.destroy()));
      await database.stop();
    },
  };
}
