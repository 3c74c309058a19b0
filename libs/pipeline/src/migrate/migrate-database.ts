import { persistenceConfig, runMigrations } from '@linebacker/persistence';
import type { Logger } from '@linebacker/runtime';
import { openDatabaseWithRetries } from '../infrastructure/open-database';
import type { MigrateConfig } from '../config/app-config-schemas';

/**
 * The one-shot migration step of a deployment: connects (with the same bounded start-up
 * retries as the apps, since the database may still be starting), applies every pending
 * migration under the advisory lock, disconnects; returns the names it applied.
 */
export async function migrateDatabase(config: MigrateConfig, logger: Logger): Promise<string[]> {
  const settings = persistenceConfig(config.databaseUrl, {
    applicationName: 'migrate',
    poolSize: 1,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  const dataSource = await openDatabaseWithRetries(settings, config.startupAttempts, logger);
  try {
    return await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
