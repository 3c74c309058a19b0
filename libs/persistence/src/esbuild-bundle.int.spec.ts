import { ALL_MIGRATIONS } from './migrations/migrations';
import { bundlePersistence, type PersistenceBundle } from './testing/bundle';
import { openTestPersistence, type TestPersistence } from './testing/test-database';

/**
 * Guard against toolchain note P5/P6: the specs and the bundle can see a different schema
 * (decorator metadata, renamed classes, a driver not found). The specs compile each file
 * with esbuild too (ADR 0009), but not as one bundle: this loads the library exactly as a
 * production bundle does and runs its real migrations and a round trip.
 */
const SCRIPT = `
const lib = require('./persistence.js');
(async () => {
  const ds = await lib.openDataSource(lib.persistenceConfig(process.env.DB_URL, { poolSize: 2 }));
  const applied = await lib.runMigrations(ds);
  const tables = ds.entityMetadatas.map((m) => m.tableName).sort();
  const columns = ds.entityMetadatas.reduce((n, m) => n + m.columns.length, 0);
  const requests = new lib.TypeormBackupRequestRepository(ds);
  const found = await requests.findById('00000000-0000-4000-8000-000000000000');
  console.log(JSON.stringify({ applied, tables, columns, found }));
  await ds.destroy();
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

  it('loads every schema and migration and works against the database', async () => {
    const result = JSON.parse(await bundle.run(SCRIPT, { DB_URL: db.url }));
    expect(result.tables).toEqual([
      'backup',
      'backup_request',
      'backup_request_status_history',
      'callback_attempt',
      'intake_idempotency_key',
      'outbox',
    ]);
    expect(result.applied).toHaveLength(ALL_MIGRATIONS.length);
    expect(result.columns).toBe(
      db.dataSource.entityMetadatas.reduce((n, m) => n + m.columns.length, 0),
    );
    expect(result.found).toBeNull();
  });
});
