import pg from 'pg';
import { DataSource } from 'typeorm';
import type { PersistenceConfig } from './config/persistence.config';
import { poolConfig } from './database';
import { ALL_MIGRATIONS, MIGRATIONS_TABLE_NAME } from './migrations/all-migrations';
import { toPersistenceError } from './pg-errors';
import { ALL_ENTITY_SCHEMAS } from './schema/entity-schemas';

/**
 * A TypeORM DataSource for linebacker's schema, with the pool settings of
 * {@link poolConfig}. Only the migrations (and the tests that compare the mapping with the
 * migrated tables) use one: the running apps go through {@link Database}, so that TypeORM is
 * not loaded in them (ADR 0407). The pg driver is passed explicitly so bundlers see it.
 */
export function createDataSource(config: PersistenceConfig): DataSource {
  const { connectionString, application_name, max, connectionTimeoutMillis, ...extra } =
    poolConfig(config);
  return new DataSource({
    type: 'postgres',
    driver: pg,
    url: connectionString,
    applicationName: application_name,
    poolSize: max,
    connectTimeoutMS: connectionTimeoutMillis,
    entities: ALL_ENTITY_SCHEMAS,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE_NAME,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    // Without a listener an idle connection's error would be an unhandled 'error' event.
    poolErrorHandler: () => undefined,
    extra,
  });
}

/** Creates and connects a DataSource; a failure to connect is a mapped linebacker error. */
export async function openDataSource(config: PersistenceConfig): Promise<DataSource> {
  try {
    return await createDataSource(config).initialize();
  } catch (error) {
    throw toPersistenceError(error);
  }
}
