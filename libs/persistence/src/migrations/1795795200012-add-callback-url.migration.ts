import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds where a request's end state is POSTed (ADR 0214), decided at intake. Nullable: most
 * requests have none. No grant: linebacker_app and linebacker_reader hold their rights on the
 * whole table, so the receiver may write the column and the notifier and the CLI read it.
 */
export class AddCallbackUrl1795795200012 implements MigrationInterface {
  readonly name = 'AddCallbackUrl1795795200012';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE backup_request ADD COLUMN callback_url varchar(1000) NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE backup_request DROP COLUMN callback_url`);
  }
}
