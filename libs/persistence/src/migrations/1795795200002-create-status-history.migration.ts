import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `backup_request_status_history`, the audit trail of every status change. */
export class CreateStatusHistory1795795200002 implements MigrationInterface {
  readonly name = 'CreateStatusHistory1795795200002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE backup_request_status_history (
        status_history_id bigserial NOT NULL,
        backup_request_id uuid NOT NULL,
        from_status_type_code varchar(20) NULL,
        to_status_type_code varchar(20) NOT NULL,
        status_timestamp timestamptz NOT NULL,
        changed_by_service_name varchar(100) NOT NULL,
        message_id varchar(250) NULL,
        CONSTRAINT pk_backup_request_status_history PRIMARY KEY (status_history_id),
        CONSTRAINT fk_backup_request_status_history_request FOREIGN KEY (backup_request_id)
          REFERENCES backup_request (backup_request_id),
        CONSTRAINT ck_backup_request_status_history_from CHECK (from_status_type_code IN
          ('Received', 'Allowed', 'NotAllowed', 'Sent', 'Succeeded', 'Failed')),
        CONSTRAINT ck_backup_request_status_history_to CHECK (to_status_type_code IN
          ('Received', 'Allowed', 'NotAllowed', 'Sent', 'Succeeded', 'Failed')),
        CONSTRAINT ck_backup_request_status_history_by
          CHECK (char_length(changed_by_service_name) >= 1)
      )`);
    // A request's history is always read whole and in order.
    await runner.query(`
      CREATE INDEX ix_backup_request_status_history_request
        ON backup_request_status_history (backup_request_id, status_history_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE backup_request_status_history');
  }
}
