import { applyRetention, REQUEST_STATUSES, systemClock } from '@linebacker/domain';
import { retentionRowCounts, seedRequests } from '@linebacker/testing';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { PostgresRetentionStore } from './retention.store';

const WINDOWS = { requestDays: 90, idempotencyKeyDays: 7, backupGraceDays: 1 };
const NON_TERMINAL = ['Received', 'Allowed', 'Sent'] as const;

describe('PostgresRetentionStore', () => {
  let db: TestPersistence;

  beforeEach(async () => {
    db = await openTestPersistence('retention');
  });
  afterEach(async () => db.stop());

  const idsLeft = async (ids: string[]): Promise<string[]> =>
    (
      (await db.database.query(
        'SELECT backup_request_id AS id FROM backup_request WHERE backup_request_id = ANY($1)',
        [ids],
      )) as Array<{ id: string }>
    ).map((row) => row.id);
  const run = (store = new PostgresRetentionStore(db.database), batchSize = 7) =>
    applyRetention(
      { retention: store, clock: systemClock },
      { windows: WINDOWS, batchSize, maxRunMs: 60_000 },
    );

  it('removes exactly the expired terminal requests with their history, keys and deleted Backup', async () => {
    const expired = [
      ...(await seedRequests(db.database, {
        count: 10,
        status: 'NotAllowed',
        endedDaysAgo: 91,
        keyDaysAgo: 91,
      })),
      ...(await seedRequests(db.database, { count: 5, status: 'Failed', endedDaysAgo: 400 })),
      ...(await seedRequests(db.database, {
        count: 5,
        status: 'Succeeded',
        endedDaysAgo: 200,
        backup: { dueDaysAgo: 150, markedDaysAgo: 100 },
      })),
    ];
    const kept = [
      // Every non-terminal status, however old.
      ...(
        await Promise.all(
          NON_TERMINAL.map((status) =>
            seedRequests(db.database, { count: 3, status, endedDaysAgo: 1000, keyDaysAgo: 1 }),
          ),
        )
      ).flat(),
      // Terminal, inside the window.
      ...(await seedRequests(db.database, { count: 4, status: 'Failed', endedDaysAgo: 89 })),
      // Expired, but its Backup is not marked deleted (held), or was marked inside the window.
      ...(await seedRequests(db.database, {
        count: 2,
        status: 'Succeeded',
        endedDaysAgo: 500,
        backup: { dueDaysAgo: 400, hold: true },
      })),
      ...(await seedRequests(db.database, {
        count: 2,
        status: 'Succeeded',
        endedDaysAgo: 500,
        backup: { dueDaysAgo: 100, markedDaysAgo: 10 },
      })),
    ];
    const before = await retentionRowCounts(db.database);
    const less = (table: string, removed: number) => (before[table] ?? 0) - removed;

    const outcome = await run();

    expect(await idsLeft(expired)).toEqual([]);
    expect((await idsLeft(kept)).sort()).toEqual([...kept].sort());
    expect(outcome.counts).toEqual({
      requests: 20,
      statusHistory: 40,
      backups: 5,
      idempotencyKeys: 10,
      backupsMarked: 0,
    });
    expect(await retentionRowCounts(db.database)).toEqual({
      requests: less('requests', 20),
      history: less('history', 40),
      keys: less('keys', 10),
      backups: less('backups', 5),
      marked: 2,
    });
    expect(outcome.complete).toBe(true);
  });

  it('never removes a request in a status that is not terminal', async () => {
    for (const status of REQUEST_STATUSES)
      await seedRequests(db.database, { count: 2, status, endedDaysAgo: 3650 });
    await run();
    const left = (await db.database.query(
      'SELECT status_type_code AS status, count(*)::int AS n FROM backup_request GROUP BY 1 ORDER BY 1',
    )) as Array<{ status: string; n: number }>;
    expect(left).toEqual([
      { status: 'Allowed', n: 2 },
      { status: 'Received', n: 2 },
      { status: 'Sent', n: 2 },
    ]);
  });

  it('removes expired Idempotency-Keys and keeps their requests', async () => {
    const requests = await seedRequests(db.database, {
      count: 12,
      status: 'Received',
      endedDaysAgo: 8,
      keyDaysAgo: 8,
    });
    await seedRequests(db.database, {
      count: 3,
      status: 'Received',
      endedDaysAgo: 6,
      keyDaysAgo: 6,
    });
    const outcome = await run();
    expect(outcome.counts.idempotencyKeys).toBe(12);
    expect(await idsLeft(requests)).toHaveLength(12);
    expect((await retentionRowCounts(db.database))['keys']).toBe(3);
  });

  it('marks due Backups deleted unless they are on hold or not yet a day past due', async () => {
    const endedRecently = { status: 'Succeeded' as const, endedDaysAgo: 1 };
    await seedRequests(db.database, { count: 9, ...endedRecently, backup: { dueDaysAgo: 1 } });
    await seedRequests(db.database, { count: 2, ...endedRecently, backup: { dueDaysAgo: 0 } });
    await seedRequests(db.database, {
      count: 3,
      ...endedRecently,
      backup: { dueDaysAgo: 30, hold: true },
    });
    const outcome = await run();
    expect(outcome.counts).toMatchObject({ backupsMarked: 9, backups: 0, requests: 0 });
    expect(await retentionRowCounts(db.database)).toMatchObject({ backups: 14, marked: 9 });
  });

  it('counts on a dry run exactly what a run then removes, and changes nothing', async () => {
    await seedRequests(db.database, {
      count: 6,
      status: 'Failed',
      endedDaysAgo: 100,
      keyDaysAgo: 3,
    });
    await seedRequests(db.database, {
      count: 4,
      status: 'Received',
      endedDaysAgo: 100,
      keyDaysAgo: 30,
    });
    await seedRequests(db.database, {
      count: 2,
      status: 'Succeeded',
      endedDaysAgo: 3,
      backup: { dueDaysAgo: 5 },
    });
    const before = await retentionRowCounts(db.database);
    const dry = await applyRetention(
      { retention: new PostgresRetentionStore(db.database), clock: systemClock },
      { windows: WINDOWS, batchSize: 5, maxRunMs: 60_000, dryRun: true },
    );
    expect(await retentionRowCounts(db.database)).toEqual(before);
    expect(dry.counts).toEqual({
      requests: 6,
      statusHistory: 12,
      backups: 0,
      idempotencyKeys: 10,
      backupsMarked: 2,
    });
    expect((await run()).counts).toEqual(dry.counts);
  });

  it('lets two sweepers at once remove everything due exactly once, without deadlock', async () => {
    await seedRequests(db.database, {
      count: 3000,
      status: 'Failed',
      endedDaysAgo: 120,
      keyDaysAgo: 120,
    });
    await seedRequests(db.database, {
      count: 1000,
      status: 'Succeeded',
      endedDaysAgo: 120,
      backup: { dueDaysAgo: 100, markedDaysAgo: 95 },
    });
    const kept = await seedRequests(db.database, {
      count: 500,
      status: 'Sent',
      endedDaysAgo: 120,
    });
    const [first, second] = [await db.openPool(), await db.openPool()];
    const outcomes = await Promise.all(
      [first, second].map((pool) => run(new PostgresRetentionStore(pool), 50)),
    );

    const removed = outcomes.map((outcome) => outcome.counts.requests);
    expect(removed.reduce((sum, n) => sum + n, 0)).toBe(4000);
    // Both did work: the batches interleaved rather than one sweeper doing it all.
    expect(Math.min(...removed)).toBeGreaterThan(0);
    expect(outcomes.reduce((sum, o) => sum + o.counts.statusHistory, 0)).toBe(8000);
    expect(outcomes.reduce((sum, o) => sum + o.counts.backups, 0)).toBe(1000);
    expect(outcomes.reduce((sum, o) => sum + o.counts.idempotencyKeys, 0)).toBe(3000);
    expect(await retentionRowCounts(db.database)).toEqual({
      requests: 500,
      history: 1000,
      keys: 0,
      backups: 0,
      marked: 0,
    });
    expect(await idsLeft(kept)).toHaveLength(500);
  });
});
