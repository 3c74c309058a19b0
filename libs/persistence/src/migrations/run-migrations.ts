import type { Database } from '../database';

/**
 * TypeORM's migration executor, loaded on the first call: a process that never migrates
 * (every running app but the migrate step, by default) never loads TypeORM (ADR 0407). A
 * require, not `import()`: the bundles are CommonJS, where esbuild turns it into a lazy
 * initialisation of the bundled module, and TypeScript would check an `import()` as an ES
 * module import, which needs a file extension jest cannot resolve.
 */
function executor(): typeof import('./migrations') {
  return require('./migrations') as typeof import('./migrations');
}

/**
 * Applies every pending migration on `database`'s server, as its role, each in its own
 * transaction, under an advisory lock that serialises concurrent starts; returns their names.
 */
export async function runMigrations(database: Database): Promise<string[]> {
  const { applyPendingMigrations, withMigrationDataSource } = executor();
  return withMigrationDataSource(database.config, applyPendingMigrations);
}

/**
 * Reverts every applied migration, newest first, leaving only TypeORM's bookkeeping table.
 * For tests and for tearing down a scratch database; never part of a deployment.
 */
export async function revertAllMigrations(database: Database): Promise<number> {
  const { revertEveryMigration, withMigrationDataSource } = executor();
  return withMigrationDataSource(database.config, revertEveryMigration);
}
