import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `backup_request`. Value lists are written out rather than taken from the domain's
 * constants: a migration is a frozen record of what it did, not a view of today's code.
 */
export class CreateBackupRequest1795795200001 implements MigrationInterface {
  // Spelled out because bundlers may rename classes and TypeORM reads the timestamp from it.
  readonly name = 'CreateBackupRequest1795795200001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE backup_request (
        backup_request_id uuid NOT NULL,
        backup_job_id varchar(50) NOT NULL,
        data_date date NOT NULL,
        prepared_data_path_name varchar(250) NOT NULL,
        transport_type_code varchar(10) NOT NULL,
        status_type_code varchar(20) NOT NULL,
        backup_provider_code varchar(10) NULL,
        storage_path_name varchar(250) NULL,
        requester_id varchar(200) NOT NULL,
        correlation_id varchar(200) NOT NULL,
        received_timestamp timestamptz NOT NULL,
        checked_timestamp timestamptz NULL,
        sent_to_interface_timestamp timestamptz NULL,
        reply_timestamp timestamptz NULL,
        reply_message_text varchar(250) NULL,
        status_timestamp timestamptz NOT NULL,
        redriven_timestamp timestamptz NULL,
        CONSTRAINT pk_backup_request PRIMARY KEY (backup_request_id),
        CONSTRAINT ck_backup_request_backup_job_id CHECK (char_length(backup_job_id) >= 1),
        CONSTRAINT ck_backup_request_prepared_data_path_name
          CHECK (char_length(prepared_data_path_name) >= 1),
        CONSTRAINT ck_backup_request_requester_id CHECK (char_length(requester_id) >= 1),
        CONSTRAINT ck_backup_request_correlation_id CHECK (char_length(correlation_id) >= 1),
        CONSTRAINT ck_backup_request_transport_type_code
          CHECK (transport_type_code IN ('HTTP', 'Queue')),
        CONSTRAINT ck_backup_request_status_type_code CHECK (status_type_code IN
          ('Received', 'Allowed', 'NotAllowed', 'Sent', 'Succeeded', 'Failed')),
        CONSTRAINT ck_backup_request_backup_provider_code
          CHECK (backup_provider_code IN ('Local', 'CloudA', 'CloudB'))
      )`);
    // Recovery scans only the redrivable statuses by age; a partial index keeps that scan
    // proportional to the stuck requests, not to the whole history of requests.
    await runner.query(`
      CREATE INDEX ix_backup_request_redrivable ON backup_request (status_timestamp)
        WHERE status_type_code IN ('Received', 'Allowed')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE backup_request');
  }
}
