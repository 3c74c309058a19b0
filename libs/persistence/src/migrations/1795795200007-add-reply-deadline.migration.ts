import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reply deadline's bookkeeping on `backup_request` (ADR 0210): how often recovery re-sent
 * a `Sent` request whose reply did not come, and when it last did (the deadline restarts
 * there). Table privileges cover new columns, so the grants of 1795795200006 need no change.
 */
export class AddReplyDeadline1795795200007 implements MigrationInterface {
  readonly name = 'AddReplyDeadline1795795200007';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE backup_request
        ADD COLUMN reply_resend_count integer NOT NULL DEFAULT 0,
        ADD COLUMN reply_resent_timestamp timestamptz NULL,
        ADD CONSTRAINT ck_backup_request_reply_resend_count CHECK (reply_resend_count >= 0)`);
    // Recovery scans only Sent requests by the start of their wait; a partial index keeps
    // that scan proportional to the requests waiting, not to every request ever made.
    await runner.query(`
      CREATE INDEX ix_backup_request_reply_deadline ON backup_request
        ((coalesce(reply_resent_timestamp, sent_to_interface_timestamp, status_timestamp)))
        WHERE status_type_code = 'Sent'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX ix_backup_request_reply_deadline');
    await runner.query(`
      ALTER TABLE backup_request
        DROP COLUMN reply_resent_timestamp,
        DROP COLUMN reply_resend_count`);
  }
}
