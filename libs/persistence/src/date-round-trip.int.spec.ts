import { bundlePersistence, type PersistenceBundle } from './testing/bundle';
import { openTestPersistence, type TestPersistence } from './testing/test-database';

/**
 * Stores and reads back a request and its Backup in a child process whose TZ is set before
 * anything loads, along every read path: the lookups by id and the raw claim RETURNING.
 */
const SCRIPT = `
const lib = require('./persistence.js');
const { randomUUID } = require('node:crypto');
const at = new Date('2024-02-29T23:30:00.000Z');
const request = (id) => ({
  backupRequestId: id, backupJobId: 'job', dataDate: '2024-02-29', preparedDataPathName: '/p',
  transportTypeCode: 'HTTP', statusTypeCode: 'Received', backupProviderCode: null,
  storagePathName: null, requesterId: 'r', correlationId: id, receivedTimestamp: at,
  checkedTimestamp: null, sentToInterfaceTimestamp: null, replyTimestamp: null,
  replyMessageText: null, statusTimestamp: at,
});
const backup = (id) => ({
  backupId: randomUUID(), backupRequestId: id, backupJobId: 'job', dataDate: '2024-02-29',
  backupProviderCode: 'Local', daysToKeepCount: 306, holdFlag: false, storagePathName: '/s',
  backupByteCount: '1', copyStartTimestamp: at, copyEndTimestamp: at,
  verifyStartTimestamp: null, verifyEndTimestamp: null, verifyHashText: null,
  dueToDeleteDate: '2024-12-31', deletedTimestamp: null,
});
const change = (id, from, to, extra) => ({
  backupRequestId: id, from, to, at, patch: {}, by: 't', messageId: null, outbox: [], ...extra,
});
(async () => {
  const ds = await lib.openDatabase(lib.persistenceConfig(process.env.DB_URL, { poolSize: 2 }));
  const requests = new lib.PostgresBackupRequestRepository(ds);
  const [done, stalled] = [randomUUID(), randomUUID()];
  await requests.create(request(done), []);
  await requests.applyChange(change(done, 'Received', 'Allowed'));
  await requests.applyChange(change(done, 'Allowed', 'Succeeded', { backup: backup(done) }));
  await requests.create(request(stalled), []);
  const now = new Date();
  const [claimed] = await requests.claimStalled(
    { statuses: ['Received'], changedBefore: now, redrivenBefore: now, limit: 1, now }, () => []);
  const found = await requests.findById(done);
  const stored = await new lib.PostgresBackupRepository(ds).findByRequestId(done);
  const [raw] = await ds.query('SELECT data_date::text AS text FROM backup_request');
  console.log(JSON.stringify({
    offsetMinutes: at.getTimezoneOffset(), found: found.dataDate, claimed: claimed.dataDate,
    backup: stored.dataDate, due: stored.dueToDeleteDate, stored: raw.text,
    received: found.receivedTimestamp.toISOString(),
  }));
  await ds.close();
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe('calendar dates', () => {
  let db: TestPersistence;
  let bundle: PersistenceBundle;

  beforeAll(async () => {
    db = await openTestPersistence('dates');
    bundle = bundlePersistence();
  });
  afterAll(async () => {
    bundle.remove();
    await db.stop();
  });
  beforeEach(async () => {
    await db.database.query(
      'TRUNCATE backup, backup_request_status_history, intake_idempotency_key, callback_attempt, backup_request',
    );
  });

  it.each([
    ['America/New_York', 300],
    ['Pacific/Kiritimati', -840],
    ['UTC', 0],
  ])('round-trip 2024-02-29 unchanged with TZ=%s', async (zone, offsetMinutes) => {
    const result = JSON.parse(await bundle.run(SCRIPT, { DB_URL: db.url, TZ: zone }));
    expect(result).toEqual({
      offsetMinutes,
      found: '2024-02-29',
      claimed: '2024-02-29',
      backup: '2024-02-29',
      due: '2024-12-31',
      stored: '2024-02-29',
      received: '2024-02-29T23:30:00.000Z',
    });
  });

  it('come back from the pool as YYYY-MM-DD text, not as Date objects', async () => {
    const [row] = await db.database.query("SELECT DATE '2024-02-29' AS d");
    expect(row.d).toBe('2024-02-29');
  });
});
