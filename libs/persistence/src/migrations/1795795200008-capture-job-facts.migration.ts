import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds the job's retention and hold to `backup_request`, set with the move to Allowed, so a
 * Backup is built from what the job said at the check (ADR 0211). Nullable: rows allowed
 * before this migration have none, and receive-status re-reads the job for them.
 */
export class CaptureJobFacts1795795200008 implements MigrationInterface {
  readonly name = 'CaptureJobFacts1795795200008';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE backup_request
        ADD COLUMN days_to_keep_count integer NULL,
        ADD COLUMN hold_flag boolean NULL,
        ADD CONSTRAINT ck_backup_request_days_to_keep_count CHECK (days_to_keep_count >= 0)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE backup_request DROP COLUMN days_to_keep_count, DROP COLUMN hold_flag`);
  }
}
