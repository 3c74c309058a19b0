import { openDataSource } from '../data-source';
import type { Database } from '../database';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { ALL_MIGRATIONS, MIGRATIONS_TABLE_NAME } from './all-migrations';
import { revertAllMigrations, runMigrations } from './run-migrations';

const TABLES = [
  'backup',
  'backup_request',
  'backup_request_status_history',
  'callback_attempt',
  'intake_idempotency_key',
  'outbox',
];

async function tablesIn(database: Database): Promise<string[]> {
  const rows = await database.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_name <> $1 ORDER BY table_name`,
    [MIGRATIONS_TABLE_NAME],
  );
  return rows.map((row) => row.name);
}

/** information_schema's udt_name for each type the EntitySchemas use. */
const UDT_OF: Record<string, string> = {
  uuid: 'uuid',
  varchar: 'varchar',
  text: 'text',
  date: 'date',
  timestamptz: 'timestamptz',
  bigint: 'int8',
  integer: 'int4',
  boolean: 'bool',
  jsonb: 'jsonb',
};

interface DbColumn {
  table_name: string;
  column_name: string;
  udt_name: string;
  character_maximum_length: number | null;
  is_nullable: 'YES' | 'NO';
}

describe('migrations', () => {
  let db: TestPersistence;

  beforeAll(async () => {
    db = await openTestPersistence('migrations', {}, { migrate: false });
  });
  afterAll(async () => db.stop());

  it('go up from an empty database, all the way down, and up again', async () => {
    expect(await tablesIn(db.database)).toEqual([]);
    expect(await runMigrations(db.database)).toHaveLength(ALL_MIGRATIONS.length);
    expect(await tablesIn(db.database)).toEqual(TABLES);
    expect(await runMigrations(db.database)).toEqual([]);

    expect(await revertAllMigrations(db.database)).toBe(ALL_MIGRATIONS.length);
    expect(await tablesIn(db.database)).toEqual([]);

    await runMigrations(db.database);
    expect(await tablesIn(db.database)).toEqual(TABLES);
  });

  it('apply each migration once when several instances start together', async () => {
    await revertAllMigrations(db.database);
    const pools = await Promise.all([db.openPool(), db.openPool(), db.openPool()]);
    const applied = await Promise.all(pools.map((pool) => runMigrations(pool)));
    expect(applied.flat()).toHaveLength(ALL_MIGRATIONS.length);
    const [row] = await db.database.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM ${MIGRATIONS_TABLE_NAME}`,
    );
    expect(row?.count).toBe(ALL_MIGRATIONS.length);
  });

  it('create exactly the columns the EntitySchemas map, with the same types', async () => {
    await runMigrations(db.database);
    const columns = await db.database.query<DbColumn>(
      `SELECT table_name, column_name, udt_name, character_maximum_length, is_nullable
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> $1`,
      [MIGRATIONS_TABLE_NAME],
    );
    // The mapping as TypeORM reads the EntitySchemas.
    const orm = await openDataSource({ ...db.database.config, poolSize: 1 });
    const metadatas = orm.entityMetadatas;
    await orm.destroy();
    const fromSchemas = metadatas.flatMap((metadata) =>
      metadata.columns.map((column) => ({
        table: metadata.tableName,
        column: column.databaseName,
        udt: UDT_OF[String(column.type)] ?? `unmapped ${String(column.type)}`,
        length: column.length ? Number(column.length) : null,
        nullable: column.isNullable,
      })),
    );
    const fromDatabase = columns.map((column) => ({
      table: column.table_name,
      column: column.column_name,
      udt: column.udt_name,
      length: column.character_maximum_length,
      nullable: column.is_nullable === 'YES',
    }));
    const byName = (a: { table: string; column: string }, b: { table: string; column: string }) =>
      `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`);
    expect(fromSchemas.sort(byName)).toEqual(fromDatabase.sort(byName));
  });
});
