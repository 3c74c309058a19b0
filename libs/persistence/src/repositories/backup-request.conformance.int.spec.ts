import { describeBackupRequestRepository } from '@linebacker/domain/conformance';
import { ALL_ENTITY_SCHEMAS } from '../schema/entity-schemas';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { PostgresBackupRepository } from './backup.repository';
import { PostgresBackupRequestRepository } from './backup-request.repository';

let db: TestPersistence;
beforeAll(async () => {
  db = await openTestPersistence('conformance');
});
afterAll(async () => db.stop());

describeBackupRequestRepository('PostgresBackupRequestRepository', async () => {
  // Recovery's claim and the counts see the whole table: every test starts from empty.
  const tables = ALL_ENTITY_SCHEMAS.map((schema) => schema.options.tableName);
  await db.database.query(`TRUNCATE ${tables.join(', ')}`);
  return {
    requests: new PostgresBackupRequestRepository(db.database, { service: 'intake' }),
    backups: new PostgresBackupRepository(db.database),
    intakeBy: 'intake',
    outboxTypes: async (id) =>
      (
        await db.database.query<{ type: string }>(
          `SELECT type FROM outbox WHERE payload->>'backupRequestId' = $1 ORDER BY sequence`,
          [id],
        )
      ).map((row: { type: string }) => row.type),
  };
});
