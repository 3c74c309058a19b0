/** The TypeORM DataSource type, so apps can hold one without importing typeorm themselves. */
export type { DataSource } from 'typeorm';

/** Connection settings with units in their names, and their defaults. */
export {
  DEFAULT_PERSISTENCE_CONFIG,
  persistenceConfig,
  type PersistenceConfig,
} from './config/persistence.config';

/** DataSource factory (pg driver, pool bounds, timeouts), connect helper and readiness ping. */
export {
  createDataSource,
  DATE_AS_TEXT_TYPES,
  openDataSource,
  pingDatabase,
  type DataSourceHooks,
} from './data-source';

/** The start-up check that each connection is a server session of its own. */
export {
  assertSessionPerConnection,
  SharedDatabaseSessionsError,
  StartupParameterRefusedError,
} from './session-probe';

/** The migrations and the functions that apply or revert them under an advisory lock. */
export {
  ALL_MIGRATIONS,
  MIGRATIONS_TABLE_NAME,
  revertAllMigrations,
  runMigrations,
} from './migrations/migrations';

/** Every EntitySchema, for the DataSource. */
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
  TypeormBackupRequestRepository,
  type BackupRequestRepositoryOptions,
  type BatchFailure,
} from './repositories/backup-request.repository';
/** BackupRepository on PostgreSQL. */
export { TypeormBackupRepository } from './repositories/backup.repository';
/** CallbackAttemptLog on PostgreSQL. */
export { TypeormCallbackAttemptLog } from './repositories/callback-attempt.log';
/** OutboxStore on PostgreSQL (published rows are deleted). */
export { TypeormOutboxStore } from './repositories/outbox.store';
/** RetentionStore on PostgreSQL: bounded, skip-locked batches (ADR 0213). */
export { TypeormRetentionStore } from './repositories/retention.store';
