import { testNamespace, waitFor } from '@linebacker/testing';
import { openDataSource } from '../data-source';
import type { Database } from '../database';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import {
  createGroupRoleSql,
  GrantLinebackerRoles1795795200006,
} from './1795795200006-grant-linebacker-roles.migration';
import { ALL_MIGRATIONS, MIGRATIONS_TABLE_NAME } from './all-migrations';
import { runMigrations } from './run-migrations';

const TABLE_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
];

/** Every table of the schema with the table privileges `role` holds on it. */
async function privilegesOf(opened: Database, role: string): Promise<Record<string, string>> {
  const rows: Array<{ name: string; privileges: string }> = await opened.query(
    `SELECT tablename AS name,
            coalesce(string_agg(p, ',' ORDER BY ord) FILTER (
              WHERE has_table_privilege($1, quote_ident(tablename), p)), '') AS privileges
       FROM pg_tables, unnest($2::text[]) WITH ORDINALITY AS privilege(p, ord)
      WHERE schemaname = current_schema()
      GROUP BY tablename ORDER BY tablename`,
    [role, TABLE_PRIVILEGES],
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.privileges]));
}

/** The tables that exist when the grants migration runs. */
const FIRST_TABLES = [
  'backup',
  'backup_request',
  'backup_request_status_history',
  'intake_idempotency_key',
  'outbox',
];
const LINEBACKER_TABLES = [...FIRST_TABLES, 'callback_attempt'];

const expected = (privileges: string, tables = LINEBACKER_TABLES) => ({
  ...Object.fromEntries(tables.map((table) => [table, privileges])),
  [MIGRATIONS_TABLE_NAME]: '',
});

describe('the grants migration', () => {
  let db: TestPersistence;

  beforeAll(async () => {
    db = await openTestPersistence('grants');
  });
  afterAll(async () => db.stop());

  it('lets linebacker_app change rows of every table but the migrations table, and nothing more', async () => {
    expect(await privilegesOf(db.database, 'linebacker_app')).toEqual(
      expected('SELECT,INSERT,UPDATE,DELETE'),
    );
  });

  it('lets linebacker_reader only read every table but the migrations table', async () => {
    expect(await privilegesOf(db.database, 'linebacker_reader')).toEqual(expected('SELECT'));
  });

  it('lets linebacker_retention delete the rows of a request, mark Backups, and nothing more', async () => {
    expect(await privilegesOf(db.database, 'linebacker_retention')).toEqual({
      backup: 'SELECT,DELETE',
      backup_request: 'SELECT,DELETE',
      backup_request_status_history: 'SELECT,DELETE',
      intake_idempotency_key: 'SELECT,DELETE',
      // Its rows go with their request by ON DELETE CASCADE, run as the table's owner.
      callback_attempt: '',
      outbox: '',
      [MIGRATIONS_TABLE_NAME]: '',
    });
    // UPDATE only of the column it sets and of one column per table whose rows it locks.
    const columns = await db.database.query<{ name: string }>(
      `SELECT table_name || '.' || column_name AS name FROM information_schema.column_privileges
        WHERE grantee = 'linebacker_retention' AND privilege_type = 'UPDATE' ORDER BY 1`,
    );
    expect(columns.map((row: { name: string }) => row.name)).toEqual([
      'backup.deleted_timestamp',
      'backup_request.redriven_timestamp',
      'intake_idempotency_key.created_at',
    ]);
  });

  it('gives a table a later migration creates the same grants', async () => {
    await db.database.query('CREATE TABLE added_later (id bigserial PRIMARY KEY)');
    try {
      const app = await privilegesOf(db.database, 'linebacker_app');
      const reader = await privilegesOf(db.database, 'linebacker_reader');
      expect([app['added_later'], reader['added_later']]).toEqual([
        'SELECT,INSERT,UPDATE,DELETE',
        'SELECT',
      ]);
      const [sequence] = await db.database.query(
        `SELECT has_sequence_privilege('linebacker_app', 'added_later_id_seq', 'USAGE') AS usage`,
      );
      expect(sequence.usage).toBe(true);
    } finally {
      await db.database.query('DROP TABLE added_later');
    }
  });

  it('takes every grant back when reverted, and leaves the cluster-wide roles in place', async () => {
    // TypeORM's own DataSource, for its undo of one migration at a time.
    const orm = await openDataSource({ ...db.database.config, poolSize: 1 });
    try {
      // Undo the migrations after the grants one too, down to and including it.
      const grants = ALL_MIGRATIONS.indexOf(GrantLinebackerRoles1795795200006);
      for (let n = ALL_MIGRATIONS.length; n > grants; n--) {
        await orm.undoLastMigration({ transaction: 'each' });
      }
      const none = expected('', FIRST_TABLES);
      expect(await privilegesOf(db.database, 'linebacker_app')).toEqual(none);
      expect(await privilegesOf(db.database, 'linebacker_reader')).toEqual(none);
      expect(await privilegesOf(db.database, 'linebacker_retention')).toEqual(none);
      const [defaults] = await db.database.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_default_acl
          WHERE defaclnamespace = current_schema()::regnamespace`,
      );
      expect(defaults?.n).toBe(0);
      const roles = await db.database.query(
        `SELECT rolname FROM pg_roles WHERE rolname IN ('linebacker_app', 'linebacker_reader')`,
      );
      expect(roles).toHaveLength(2);
    } finally {
      await orm.destroy();
      await runMigrations(db.database);
    }
    expect(await privilegesOf(db.database, 'linebacker_reader')).toEqual(expected('SELECT'));
  });

  it('creates a group role once when two databases create it at the same moment', async () => {
    // Roles are cluster-wide: a name of its own stands in for linebacker_app here.
    const role = testNamespace('lbt_race');
    const [first, second] = [await db.admin(), await db.admin()];
    try {
      await first.query('BEGIN');
      await first.query(createGroupRoleSql(role));
      const [{ pid }] = (await second.query('SELECT pg_backend_pid() AS pid')).rows;
      await second.query('BEGIN');
      // The second creator waits on the first one's uncommitted row ...
      const racing = second.query(createGroupRoleSql(role));
      await waitFor(async () => {
        const { rows } = await first.query(
          'SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1',
          [pid],
        );
        return rows[0]?.wait_event_type === 'Lock';
      }, 'the second creator to wait on the first');
      // ... and takes the first one's commit as "the role exists".
      await first.query('COMMIT');
      await expect(racing).resolves.toBeDefined();
      await second.query('COMMIT');
      const { rows } = await first.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [
        role,
      ]);
      expect(rows).toEqual([{ rolcanlogin: false }]);
    } finally {
      await first.query('ROLLBACK').catch(() => undefined);
      await second.query('ROLLBACK').catch(() => undefined);
      await first.query(`DROP ROLE IF EXISTS ${role}`);
    }
  });
});
