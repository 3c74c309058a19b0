/** Connection settings with units in their names, and their defaults. */
export {
  DEFAULT_PERSISTENCE_CONFIG,
  persistenceConfig,
  type PersistenceConfig,
} from './config/persistence.config';

/**
 * linebacker's pool (node-postgres with every bound explicit, mapped errors, named hot-path
 * statements), its connect helper and readiness ping. TypeORM is not part of it (ADR 0407).
 */
export {
  Database,
  DATE_AS_TEXT_TYPES,
  openDatabase,
  pingDatabase,
  Session,
  type DatabaseHooks,
  type Row,
  type TransactionSettings,
} from './database';

/** The start-up check that each connection is a server session of its own. */
export {
  assertSessionPerConnection,
  SharedDatabaseSessionsError,
  StartupParameterRefusedError,
} from './session-probe';

/** The migrations, and the functions that apply or revert them under an advisory lock. */
export { ALL_MIGRATIONS, MIGRATIONS_TABLE_NAME } from './migrations/all-migrations';
/** These load TypeORM when called, and only then (ADR 0407). */
export { revertAllMigrations, runMigrations } from './migrations/run-migrations';

/** Every EntitySchema: the single statement of the mapping, read by the statements' SQL. */
export { ALL_ENTITY_SCHEMAS } from './schema/entity-schemas';
/** The backup_request mapping and its row type. */
export { BackupRequestSchema, type BackupRequestRow } from './schema/backup-request.schema';
/** The backup_request_status_history mapping and its row type. */
export { StatusHistorySchema, type StatusHistoryRow } from './schema/status-history.schema';
/** The backup mapping. */
export { BackupSchema } from './schema/backup.schema';
/** The outbox mapping and its row type. */
export { OutboxSchema, type OutboxRow } from './schema/outbox.schema';
/** The intake_idempotency_key mapping and its row type. */
export { IdempotencyKeySchema, type IdempotencyKeyRow } from './schema/idempotency-key.schema';

/** The callback_attempt mapping and its row type. */
export { CallbackAttemptSchema, type CallbackAttemptRow } from './schema/callback-attempt.schema';

/** The single mapping from pg/TypeORM failures to permanent, transient or unavailable. */
export {
  classifyDatabaseError,
  DATABASE_DEPENDENCY,
  DatabaseRejectedError,
  toPersistenceError,
  type DatabaseErrorClass,
} from './pg-errors';

/** What a role that lacks a privilege gets: at run time, when migrating, at start-up. */
export {
  DatabasePermissionDeniedError,
  DatabasePrivilegesMissingError,
  MigrationNotPermittedError,
} from './privilege-errors';
/** The apps' start-up check that their role may read and write every linebacker table. */
export { assertAppPrivileges } from './privilege-check';

/** Whether the server keeps planner statistics up to date by itself (autovacuum). */
export { statisticsUpkeepOff } from './statistics-upkeep';

/** BackupRequestRepository on PostgreSQL, and its options. */
export {
  PostgresBackupRequestRepository,
  type BackupRequestRepositoryOptions,
  type BatchFailure,
} from './repositories/backup-request.repository';
/** BackupRepository on PostgreSQL. */
export { PostgresBackupRepository } from './repositories/backup.repository';
/** CallbackAttemptLog on PostgreSQL. */
export { PostgresCallbackAttemptLog } from './repositories/callback-attempt.log';
/** OutboxStore on PostgreSQL (published rows are deleted). */
export { PostgresOutboxStore } from './repositories/outbox.store';
/** RetentionStore on PostgreSQL: bounded, skip-locked batches (ADR 0213). */
export { PostgresRetentionStore } from './repositories/retention.store';
