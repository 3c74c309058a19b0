import { applyRetention, systemClock, type CallbackAttemptRecord } from '@linebacker/domain';
import {
  createDatabaseRoles,
  createTestDatabase,
  seedRequests,
  type TestDatabaseRoles,
  type TestService,
} from '@linebacker/testing';
import { persistenceConfig } from '../config/persistence.config';
import { openDatabase, type Database } from '../database';
import { runMigrations } from '../migrations/run-migrations';
import { assertAppPrivileges } from '../privilege-check';
import { PostgresCallbackAttemptLog } from './callback-attempt.log';
import { PostgresRetentionStore } from './retention.store';

describe('PostgresCallbackAttemptLog, under the roles linebacker runs as', () => {
  let database: TestService;
  let roles: TestDatabaseRoles;
  const pools: Database[] = [];
  const pool = async (login: string): Promise<Database> => {
    const opened = await openDatabase(persistenceConfig(roles.url(login), { poolSize: 2 }));
    pools.push(opened);
    return opened;
  };
  const attempt = (backupRequestId: string, overrides: Partial<CallbackAttemptRecord> = {}) => ({
    backupRequestId,
    eventId: `${backupRequestId}:Failed`,
    attemptedAt: new Date('2024-03-16T02:00:00.000Z'),
    outcome: 'failed' as const,
    statusCode: 503,
    durationMs: 12.6,
    reason: 'receiver hooks.example.com answered HTTP 503',
    ...overrides,
  });

  beforeAll(async () => {
    database = await createTestDatabase('cbattempts');
    roles = await createDatabaseRoles(database.url, {
      owner: ['owner'],
      app: ['app'],
      reader: ['reader'],
      operator: ['operator'],
    });
    await runMigrations(await pool('owner'));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await database.stop();
    await roles.drop();
  });

  it('lets the app record attempts and the reader read them, oldest first', async () => {
    const [id] = await seedRequests(await pool('owner'), {
      count: 1,
      status: 'Failed',
      endedDaysAgo: 1,
    });
    if (!id) throw new Error('nothing seeded');
    const app = await pool('app');
    await assertAppPrivileges(app);
    const log = new PostgresCallbackAttemptLog(app);
    await log.record(attempt(id));
    await log.record(
      attempt(id, { outcome: 'delivered', statusCode: 204, reason: null, durationMs: 3 }),
    );
    await log.record(attempt(id, { reason: 'x'.repeat(600), statusCode: null }));
    const read = await new PostgresCallbackAttemptLog(await pool('reader')).forRequest(id);
    expect(read.map((a) => [a.outcome, a.statusCode, a.durationMs])).toEqual([
      ['failed', 503, 13],
      ['delivered', 204, 3],
      ['failed', null, 13],
    ]);
    expect(read[0]).toEqual({ ...attempt(id), durationMs: 13 });
    expect(read[2]?.reason).toHaveLength(500);
    expect(await log.forRequest('not-a-uuid')).toEqual([]);
  });

  it('removes the attempts with their request when retention (as the operator) removes it', async () => {
    const owner = await pool('owner');
    const [expired] = await seedRequests(owner, {
      count: 1,
      status: 'NotAllowed',
      endedDaysAgo: 91,
    });
    if (!expired) throw new Error('nothing seeded');
    await new PostgresCallbackAttemptLog(await pool('app')).record(attempt(expired));
    const outcome = await applyRetention(
      { retention: new PostgresRetentionStore(await pool('operator')), clock: systemClock },
      {
        windows: { requestDays: 90, idempotencyKeyDays: 7, backupGraceDays: 1 },
        batchSize: 10,
        maxRunMs: 60_000,
      },
    );
    expect(outcome.counts.requests).toBe(1);
    expect(await new PostgresCallbackAttemptLog(owner).forRequest(expired)).toEqual([]);
  });
});
