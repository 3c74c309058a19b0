import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `callback_attempt`: each POST of a request's end state and how it ended, shown in
 * the request's view beside its status history (ADR 0214). Not a history row: an attempt
 * changes no status. `ON DELETE CASCADE`: retention removes a request and its attempts go
 * with it; PostgreSQL runs the cascade as the table's owner, so linebacker_retention needs
 * no right on this table. The apps write it (the notifier) and read it (the receiver).
 */
export class CreateCallbackAttempt1795795200013 implements MigrationInterface {
  readonly name = 'CreateCallbackAttempt1795795200013';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE callback_attempt (
        callback_attempt_id bigserial NOT NULL,
        backup_request_id uuid NOT NULL,
        event_id varchar(100) NOT NULL,
        attempted_timestamp timestamptz NOT NULL,
        outcome_code varchar(20) NOT NULL,
        http_status_code integer NULL,
        duration_ms integer NOT NULL,
        reason_text varchar(500) NULL,
        CONSTRAINT pk_callback_attempt PRIMARY KEY (callback_attempt_id),
        CONSTRAINT fk_callback_attempt_request FOREIGN KEY (backup_request_id)
          REFERENCES backup_request (backup_request_id) ON DELETE CASCADE,
        CONSTRAINT ck_callback_attempt_outcome CHECK (outcome_code IN
          ('delivered', 'failed', 'rejected', 'refused', 'circuit-open')),
        CONSTRAINT ck_callback_attempt_duration CHECK (duration_ms >= 0)
      )`);
    // Read whole and in order per request; also what the cascade looks rows up by.
    await runner.query(`
      CREATE INDEX ix_callback_attempt_request
        ON callback_attempt (backup_request_id, callback_attempt_id)`);
    // Explicit, not left to migration 6's default privileges: those hold only for tables
    // created by the role that set them.
    await runner.query(
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE callback_attempt TO linebacker_app',
    );
    await runner.query(
      'GRANT USAGE ON SEQUENCE callback_attempt_callback_attempt_id_seq TO linebacker_app',
    );
    await runner.query('GRANT SELECT ON TABLE callback_attempt TO linebacker_reader');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE callback_attempt');
  }
}
