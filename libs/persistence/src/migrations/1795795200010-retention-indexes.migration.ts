import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the retention sweeps read (ADR 0213), each index by name with its definition. The
 * status list is written out: a migration is a frozen record of what it did.
 */
const INDEXES: ReadonlyArray<[string, string]> = [
  // Terminal requests oldest first; the partial predicate keeps the index to the requests
  // retention may remove, and matches the sweep's own `IN (…)` so the planner can use it.
  [
    'ix_backup_request_retention',
    `backup_request (status_timestamp)
       WHERE status_type_code IN ('NotAllowed', 'Succeeded', 'Failed')`,
  ],
  ['ix_intake_idempotency_key_created_at', 'intake_idempotency_key (created_at)'],
  // Without it every removed request (and the foreign key's own check) scans the key table.
  ['ix_intake_idempotency_key_request', 'intake_idempotency_key (backup_request_id)'],
  [
    'ix_backup_retention_due',
    'backup (due_to_delete_date) WHERE deleted_timestamp IS NULL AND NOT hold_flag',
  ],
];

/**
 * An index left INVALID by an interrupted concurrent build, which `IF NOT EXISTS` would
 * take for a finished one; dropping it lets the build start over.
 */
async function dropIfInvalid(runner: QueryRunner, name: string): Promise<void> {
  const rows = (await runner.query(
    `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace
        AND NOT i.indisvalid`,
    [name],
  )) as unknown[];
  if (rows.length > 0) await runner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
}

/**
 * Indexes for the retention sweeps, built CONCURRENTLY: on a deployment with years of
 * requests a plain CREATE INDEX would block intake's inserts for the whole build. A
 * concurrent build cannot run in a transaction, so this migration runs outside one; it is
 * re-runnable after an interruption (an invalid leftover is dropped and rebuilt). The build
 * may outlast the statement timeout meant for the apps' queries, so it has none.
 */
export class RetentionIndexes1795795200010 implements MigrationInterface {
  readonly name = 'RetentionIndexes1795795200010';
  readonly transaction = false;

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('SET statement_timeout = 0');
    try {
      for (const [name, definition] of INDEXES) {
        await dropIfInvalid(runner, name);
        await runner.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${definition}`);
      }
    } finally {
      await runner.query('RESET statement_timeout');
    }
  }

  /** TypeORM reverts in a transaction, where only a plain DROP INDEX may run. */
  async down(runner: QueryRunner): Promise<void> {
    for (const [name] of [...INDEXES].reverse()) await runner.query(`DROP INDEX IF EXISTS ${name}`);
  }
}
