import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `outbox`. Rows are deleted once published, so the table stays small and its
 * primary key on `sequence` is all the relay's ordered, skip-locked scan needs.
 */
export class CreateOutbox1795795200004 implements MigrationInterface {
  readonly name = 'CreateOutbox1795795200004';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE outbox (
        sequence bigserial NOT NULL,
        message_id varchar(250) NOT NULL,
        type varchar(100) NOT NULL,
        correlation_id varchar(200) NOT NULL,
        causation_id varchar(250) NULL,
        occurred_at timestamptz NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_outbox PRIMARY KEY (sequence),
        CONSTRAINT ck_outbox_message_id CHECK (char_length(message_id) >= 1),
        CONSTRAINT ck_outbox_type CHECK (char_length(type) >= 1)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE outbox');
  }
}
