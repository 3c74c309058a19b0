import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  createGroupRoleSql,
  currentSchema,
} from './1795795200006-grant-linebacker-roles.migration';

/** The tables retention removes rows from (the outbox is not one of them, ADR 0213). */
const TABLES = [
  'backup_request',
  'backup_request_status_history',
  'backup',
  'intake_idempotency_key',
].join(', ');

/**
 * The group role `linebacker_retention` (ADR 0213): what the operator CLI needs, beyond
 * linebacker_reader's SELECT, to run `retention run`. DELETE on the four tables a request's
 * rows live in; UPDATE of `backup.deleted_timestamp` to mark Backups deleted; and UPDATE of
 * one bookkeeping column of each table the sweeps lock rows of, because PostgreSQL grants
 * `FOR UPDATE` only to a role that may update some column. The apps' linebacker_app has all
 * of this already. No default privileges: a later table is not retention's by default.
 */
export class GrantRetentionRole1795795200011 implements MigrationInterface {
  readonly name = 'GrantRetentionRole1795795200011';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(createGroupRoleSql('linebacker_retention'));
    const schema = await currentSchema(runner);
    await runner.query(`GRANT USAGE ON SCHEMA ${schema} TO linebacker_retention`);
    await runner.query(`GRANT SELECT, DELETE ON TABLE ${TABLES} TO linebacker_retention`);
    await runner.query('GRANT UPDATE (deleted_timestamp) ON TABLE backup TO linebacker_retention');
    await runner.query(
      'GRANT UPDATE (redriven_timestamp) ON TABLE backup_request TO linebacker_retention',
    );
    await runner.query(
      'GRANT UPDATE (created_at) ON TABLE intake_idempotency_key TO linebacker_retention',
    );
  }

  /** Takes the grants back and leaves the cluster-wide role, as 1795795200006 does. */
  async down(runner: QueryRunner): Promise<void> {
    const schema = await currentSchema(runner);
    await runner.query(`REVOKE ALL ON TABLE ${TABLES} FROM linebacker_retention`);
    await runner.query(`REVOKE USAGE ON SCHEMA ${schema} FROM linebacker_retention`);
  }
}
