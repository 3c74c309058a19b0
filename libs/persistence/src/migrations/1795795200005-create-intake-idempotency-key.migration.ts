import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `intake_idempotency_key`. The primary key is the whole mechanism: a second insert
 * of a key waits for, then collides with, the first, which is how in-flight and replayed
 * calls are told apart.
 */
export class CreateIntakeIdempotencyKey1795795200005 implements MigrationInterface {
  readonly name = 'CreateIntakeIdempotencyKey1795795200005';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE intake_idempotency_key (
        requester_id varchar(200) NOT NULL,
        idempotency_key varchar(200) NOT NULL,
        fingerprint text NOT NULL,
        backup_request_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_intake_idempotency_key PRIMARY KEY (requester_id, idempotency_key),
        CONSTRAINT fk_intake_idempotency_key_request FOREIGN KEY (backup_request_id)
          REFERENCES backup_request (backup_request_id),
        CONSTRAINT ck_intake_idempotency_key_key CHECK (char_length(idempotency_key) >= 1)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE intake_idempotency_key');
  }
}
