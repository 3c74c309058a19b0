import { persistenceConfig, runMigrations, statisticsUpkeepOff } from '@linebacker/persistence';
import type { Logger } from '@linebacker/runtime';
import { openDatabaseWithRetries } from '../infrastructure/open-database';
import type { MigrateConfig } from '../config/app-config-schemas';

/**
 * The one-shot migration step of a deployment: connects (with the same bounded start-up
 * retries as the apps, since the database may still be starting), applies every pending
 * migration under the advisory lock, warns if the server does not keep its planner statistics
 * up to date, disconnects; returns the names it applied.
 */
export async function migrateDatabase(config: MigrateConfig, logger: Logger): Promise<string[]> {
  const settings = persistenceConfig(config.databaseUrl, {
    applicationName: 'migrate',
    poolSize: 1,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  // Set by the attempt that succeeded: a failed attempt throws before it returns any name.
  let applied: string[] = [];
  const database = await openDatabaseWithRetries(settings, config.startupAttempts, logger, {
    prepare: async (opened) => {
      applied = await runMigrations(opened);
    },
  });
  try {
    const off = await statisticsUpkeepOff(database);
    if (off.length > 0)
      logger.warn(
        `PostgreSQL runs with ${off.join(' and ')} off: nothing analyzes linebacker's tables, ` +
          'so its lookups by id turn into full table scans as they grow. Turn autovacuum on, ' +
          'or run ANALYZE on the database regularly (docs/operations.md).',
        { outcome: 'statistics-not-kept', settings: off },
      );
    return applied;
  } finally {
    await database.close();
  }
}
