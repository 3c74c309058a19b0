import { aRequest, receivedEvent } from '../testing/fixtures';
import {
  retentionRowCounts,
  seedRequests,
  summarize,
  sweepWhileInserting,
} from '@linebacker/testing';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { CREATE_WITH_KEY_SQL, createParams } from './intake.sql';
import { REMOVE_KEYS_SQL, REMOVE_REQUESTS_SQL } from './retention.sql';
import { PostgresRetentionStore } from './retention.store';

jest.setTimeout(120_000);

const BATCH = 500;
const DUE = 60_000;

/** The plan of one statement with its parameters, as text. */
async function planOf(db: TestPersistence, sql: string, params: unknown[]): Promise<string> {
  const admin = await db.admin();
  // EXPLAIN without ANALYZE: the statement is planned, not run.
  const { rows } = await admin.query(`EXPLAIN ${sql}`, params);
  return rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
}

describe('retention on a 100,000-request table', () => {
  let db: TestPersistence;

  beforeAll(async () => {
    db = await openTestPersistence('retscale');
    await seedRequests(db.database, {
      count: DUE,
      status: 'Failed',
      endedDaysAgo: 120,
      keyDaysAgo: 120,
    });
    await seedRequests(db.database, { count: 20_000, status: 'Succeeded', endedDaysAgo: 30 });
    await seedRequests(db.database, { count: 10_000, status: 'Sent', endedDaysAgo: 400 });
    await seedRequests(db.database, { count: 10_000, status: 'Received', endedDaysAgo: 400 });
    await db.database.query('ANALYZE');
  });
  afterAll(async () => db.stop());

  it('reads only what is due, through the retention indexes', async () => {
    const cutoff = new Date(Date.now() - 90 * 86_400_000);
    expect(await planOf(db, REMOVE_REQUESTS_SQL, [cutoff, BATCH])).toMatch(
      /Index Scan using ix_backup_request_retention on backup_request/,
    );
    expect(await planOf(db, REMOVE_KEYS_SQL, [cutoff, BATCH])).toMatch(
      /Index Scan using ix_intake_idempotency_key_created_at/,
    );
  });

  it('removes the due requests in bounded batches while intake inserts without waiting on a lock', async () => {
    // A statement timeout on the sweeper's pool bounds every batch; intake's lock_timeout
    // fails any insert or key that would wait on a lock the sweep holds (55P03).
    const sweeper = await db.openPool({ statementTimeoutMs: 5_000 });
    const intake = await db.admin();
    await intake.query("SET lock_timeout = '100ms'");
    const { outcome, batches, intakeMs } = await sweepWhileInserting(
      new PostgresRetentionStore(sweeper),
      BATCH,
      async (n) => {
        const request = aRequest(new Date());
        const key = { requesterId: 'client-a', key: `scale-${n}`, fingerprint: 'fp' };
        await intake.query(
          CREATE_WITH_KEY_SQL,
          createParams(request, [receivedEvent(request)], 'http-receiver', key),
        );
      },
    );

    expect(outcome).toMatchObject({ complete: true, counts: { requests: DUE } });
    expect(batches).toHaveLength(DUE / BATCH + 1);
    expect(Math.max(...batches.map((b) => b.counts.requests))).toBe(BATCH);
    // Intake went on during the sweep, every insert committed, none waited on a lock.
    expect(intakeMs.length).toBeGreaterThan(10);
    expect(await retentionRowCounts(db.database)).toEqual({
      requests: 40_000 + intakeMs.length,
      history: 80_000 + intakeMs.length,
      keys: intakeMs.length,
      backups: 0,
      marked: 0,
    });
    // For the record (docs/benchmarks.md takes its figures from the benchmark script).
    const sweep = summarize(batches.map((b) => b.durationMs));
    process.stdout.write(
      `retention batches: ${sweep.count}, p50 ${sweep.p50} ms, p95 ${sweep.p95} ms, ` +
        `max ${sweep.max} ms; intake inserts: ${intakeMs.length}, max ${summarize(intakeMs).max} ms\n`,
    );
  });
});
