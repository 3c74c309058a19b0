import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `backup`; the unique request id is what makes "at most one Backup" a fact. */
export class CreateBackup1795795200003 implements MigrationInterface {
  readonly name = 'CreateBackup1795795200003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE backup (
        backup_id uuid NOT NULL,
        backup_request_id uuid NOT NULL,
        backup_job_id varchar(50) NOT NULL,
        data_date date NOT NULL,
        backup_provider_code varchar(10) NOT NULL,
        days_to_keep_count integer NOT NULL,
        hold_flag boolean NOT NULL,
        storage_path_name varchar(250) NOT NULL,
        backup_byte_count bigint NOT NULL,
        copy_start_timestamp timestamptz NOT NULL,
        copy_end_timestamp timestamptz NOT NULL,
        verify_start_timestamp timestamptz NULL,
        verify_end_timestamp timestamptz NULL,
        verify_hash_text varchar(512) NULL,
        due_to_delete_date date NOT NULL,
        deleted_timestamp timestamptz NULL,
        CONSTRAINT pk_backup PRIMARY KEY (backup_id),
        CONSTRAINT uq_backup_backup_request_id UNIQUE (backup_request_id),
        CONSTRAINT fk_backup_request FOREIGN KEY (backup_request_id)
          REFERENCES backup_request (backup_request_id),
        CONSTRAINT ck_backup_backup_provider_code
          CHECK (backup_provider_code IN ('Local', 'CloudA', 'CloudB')),
        CONSTRAINT ck_backup_days_to_keep_count CHECK (days_to_keep_count >= 0),
        CONSTRAINT ck_backup_backup_byte_count CHECK (backup_byte_count >= 0)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE backup');
  }
}
