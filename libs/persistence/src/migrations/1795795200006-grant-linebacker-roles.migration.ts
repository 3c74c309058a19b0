import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = [
  'backup_request',
  'backup_request_status_history',
  'backup',
  'outbox',
  'intake_idempotency_key',
].join(', ');

/** The bigserial columns' sequences (nextval needs USAGE). */
const SEQUENCES = [
  'backup_request_status_history_status_history_id_seq',
  'outbox_sequence_seq',
].join(', ');

/** The schema the earlier migrations created their tables in (the first of the search path). */
export async function currentSchema(runner: QueryRunner): Promise<string> {
  const [row] = (await runner.query('SELECT quote_ident(current_schema()) AS name')) as Array<{
    name: string;
  }>;
  if (!row?.name) throw new Error('no current schema: the search_path names no existing schema');
  return row.name;
}

/**
 * A NOLOGIN role, created unless it exists. Roles are cluster-wide while migrations of many
 * databases on one server may run at once: the loser of a race waits on the winner's
 * uncommitted row and then fails with unique_violation (duplicate_object when the row was
 * already committed), and either means the role is there. Without the right to create roles
 * the migration stops and names the script that creates them as a superuser.
 */
export function createGroupRoleSql(role: string): string {
  return `
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${role}') THEN
        BEGIN
          CREATE ROLE ${role} NOLOGIN;
        EXCEPTION
          WHEN duplicate_object OR unique_violation THEN NULL;
          WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'role ${role} does not exist and % may not create it', current_user
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Run tools/security/postgres-roles.sh as a superuser first '
                        || '(docs/security.md, PostgreSQL roles).';
        END;
      END IF;
    END
    $$`;
}

/**
 * Grants the two group roles the apps and the operator CLI log in through (ADR 0207):
 * `linebacker_app` may read and write rows of linebacker's tables and nothing else,
 * `linebacker_reader` may only read them. Neither gets anything on `linebacker_migration`,
 * so only the schema owner can run migrations. The table list is written out: a migration
 * is a frozen record of what it did, and `ALL TABLES` would take in the bookkeeping table.
 */
export class GrantLinebackerRoles1795795200006 implements MigrationInterface {
  readonly name = 'GrantLinebackerRoles1795795200006';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(createGroupRoleSql('linebacker_app'));
    await runner.query(createGroupRoleSql('linebacker_reader'));
    const schema = await currentSchema(runner);
    await runner.query(`GRANT USAGE ON SCHEMA ${schema} TO linebacker_app, linebacker_reader`);
    await runner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE ${TABLES} TO linebacker_app`);
    await runner.query(`GRANT USAGE ON SEQUENCE ${SEQUENCES} TO linebacker_app`);
    await runner.query(`GRANT SELECT ON TABLE ${TABLES} TO linebacker_reader`);
    // Tables a later migration creates get the same grants, as long as the same role creates
    // them (default privileges belong to the creating role); the grants test checks anyway.
    const defaults = `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema}`;
    await runner.query(
      `${defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO linebacker_app`,
    );
    await runner.query(`${defaults} GRANT USAGE ON SEQUENCES TO linebacker_app`);
    await runner.query(`${defaults} GRANT SELECT ON TABLES TO linebacker_reader`);
  }

  /**
   * Takes the grants back and leaves the roles: roles belong to the whole cluster, and other
   * databases on the same server may still grant to them.
   */
  async down(runner: QueryRunner): Promise<void> {
    const schema = await currentSchema(runner);
    const defaults = `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema}`;
    await runner.query(`${defaults} REVOKE SELECT ON TABLES FROM linebacker_reader`);
    await runner.query(`${defaults} REVOKE USAGE ON SEQUENCES FROM linebacker_app`);
    await runner.query(
      `${defaults} REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM linebacker_app`,
    );
    await runner.query(`REVOKE ALL ON TABLE ${TABLES} FROM linebacker_app, linebacker_reader`);
    await runner.query(`REVOKE ALL ON SEQUENCE ${SEQUENCES} FROM linebacker_app`);
    await runner.query(`REVOKE USAGE ON SCHEMA ${schema} FROM linebacker_app, linebacker_reader`);
  }
}
