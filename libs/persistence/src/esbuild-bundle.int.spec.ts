import { ALL_MIGRATIONS } from './migrations/all-migrations';
import { ALL_ENTITY_SCHEMAS } from './schema/entity-schemas';
import { bundlePersistence, type PersistenceBundle } from './testing/bundle';
import { openTestPersistence, type TestPersistence } from './testing/test-database';

/**
 * Guard against toolchain note P5/P6: the specs and the bundle can see a different schema
 * (decorator metadata, renamed classes, a driver not found). The specs compile each file
 * with esbuild too (ADR 0009), but not as one bundle: this loads the library exactly as a
 * production bundle does, runs its real migrations and a round trip, and checks that a
 * process that does not migrate never loads TypeORM (ADR 0407).
 */
const SCRIPT = `
const lib = require('./persistence.js');
const typeormLoaded = () =>
  Object.keys(require.cache).some((file) => /node_modules[\\/]typeorm[\\/]index\\.js$/.test(file));
(async () => {
  const db = await lib.openDatabase(lib.persistenceConfig(process.env.DB_URL, { poolSize: 2 }));
  const applied = process.env.MIGRATE === 'yes' ? await lib.runMigrations(db) : [];
  const requests = new lib.PostgresBackupRequestRepository(db);
  const found = await requests.findById('00000000-0000-4000-8000-000000000000');
  const columns = lib.ALL_ENTITY_SCHEMAS.reduce(
    (n, schema) => n + Object.keys(schema.options.columns).length, 0);
  console.log(JSON.stringify({ applied, columns, found, typeorm: typeormLoaded() }));
  await db.close();
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe('the esbuild bundle of the library', () => {
  let db: TestPersistence;
  let bundle: PersistenceBundle;

  beforeAll(async () => {
    db = await openTestPersistence('bundle', {}, { migrate: false });
    bundle = bundlePersistence();
  });
  afterAll(async () => {
    bundle.remove();
    await db.stop();
  });

  it('migrates with TypeORM, and works against the database without loading it', async () => {
    const migrating = JSON.parse(await bundle.run(SCRIPT, { DB_URL: db.url, MIGRATE: 'yes' }));
    expect(migrating).toMatchObject({ found: null, typeorm: true });
    expect(migrating.applied).toHaveLength(ALL_MIGRATIONS.length);
    expect(await tablesIn(db)).toEqual([
      'backup',
      'backup_request',
      'backup_request_status_history',
      'callback_attempt',
      'intake_idempotency_key',
      'outbox',
    ]);
    expect(migrating.columns).toBe(
      ALL_ENTITY_SCHEMAS.reduce((n, schema) => n + Object.keys(schema.options.columns).length, 0),
    );

    const running = JSON.parse(await bundle.run(SCRIPT, { DB_URL: db.url }));
    expect(running).toMatchObject({ applied: [], found: null, typeorm: false });
  });
});

const tablesIn = async (db: TestPersistence): Promise<string[]> =>
  (
    await db.database.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_name <> 'linebacker_migration' ORDER BY 1`,
    )
  ).map((row) => row.name);
