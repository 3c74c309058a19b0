import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds the send claim to `backup_request`: who holds it and when it lapses. A handler of an
 * Allowed request claims it before sending, so two handlers at once cannot both send
 * (ADR 0212).
 */
export class SendClaim1795795200009 implements MigrationInterface {
  readonly name = 'SendClaim1795795200009';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE backup_request
        ADD COLUMN send_claim_token uuid NULL,
        ADD COLUMN send_claim_expires_timestamp timestamptz NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE backup_request DROP COLUMN send_claim_token,
        DROP COLUMN send_claim_expires_timestamp`);
  }
}
