import { randomUUID } from 'node:crypto';
import { Client, type QueryConfig } from 'pg';
import { ValidationError, type BackupRequest, type StatusChange } from '@linebacker/domain';
import { aBackup, aChange, aRequest, receivedEvent } from '../testing/fixtures';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { PostgresBackupRepository } from './backup.repository';
import { PostgresBackupRequestRepository, type BatchFailure } from './backup-request.repository';
import { CLAIM_SENDS_SQL } from './send-claim.sql';
import { APPLY_CHANGES_SQL, applyChangesParams } from './status-change.sql';
import { FIND_REQUEST_SQL, FIND_REQUESTS_SQL } from './reads.sql';
import { CREATE_BATCH_SQL, CREATE_SQL } from './intake.sql';

/**
 * Records the statements with one of `texts` that pg clients run from now on, as SQL and
 * parameters (each test's `afterEach` restores the client). It watches the driver, below the
 * repository's own functions: a statement is a round trip, whichever function sent it.
 */
function recordStatements(...texts: string[]): () => Array<{ sql: string; params: unknown[] }> {
  const query = jest.spyOn(Client.prototype, 'query');
  return () =>
    (query.mock.calls as unknown[][])
      .map(([config, values]) =>
        typeof config === 'string'
          ? { sql: config, params: (values ?? []) as unknown[] }
          : {
              sql: (config as QueryConfig).text,
              params: ((config as QueryConfig).values ?? []) as unknown[],
            },
      )
      .filter(({ sql }) => texts.includes(sql));
}

/** What a statement that broke a unique constraint rejects with. */
const duplicateKey = () =>
  expect.objectContaining({ details: expect.objectContaining({ sqlState: '23505' }) });

describe('status changes and reads that arrive together', () => {
  let db: TestPersistence;
  let oneByOne: PostgresBackupRequestRepository;
  let backups: PostgresBackupRepository;

  beforeAll(async () => {
    db = await openTestPersistence('batching', { poolSize: 6 });
    oneByOne = new PostgresBackupRequestRepository(db.database, { batching: false });
    backups = new PostgresBackupRepository(db.database);
  });
  afterAll(async () => db.stop());
  afterEach(() => jest.restoreAllMocks());

  /** A stored request, moved one change at a time through `path` (e.g. Received → Sent). */
  async function stored(...path: BackupRequest['statusTypeCode'][]): Promise<BackupRequest> {
    let request = aRequest();
    await oneByOne.create(request, [receivedEvent(request)]);
    for (const to of path.slice(1)) {
      await oneByOne.applyChange(aChange(request, request.statusTypeCode, to));
      request = (await oneByOne.findById(request.backupRequestId)) as BackupRequest;
    }
    return request;
  }

  /** A batching repository, one batch in flight, that records its batches and wake-ups. */
  function observed() {
    const seen = { wakeUps: 0, batches: [] as Array<[string, number]> };
    const repository = new PostgresBackupRequestRepository(db.database, {
      batching: { maxInFlight: 1, maxBatch: 50 },
      onOutboxWritten: () => void seen.wakeUps++,
      onBatch: (kind, size) => seen.batches.push([kind, size]),
    });
    return { repository, seen };
  }

  const outboxMark = async (): Promise<string> =>
    (
      await db.database.query<{ mark: string }>(
        'SELECT coalesce(max(sequence), 0) AS mark FROM outbox',
      )
    )[0]?.mark ?? '0';
  const outboxSince = async (mark: string): Promise<Array<[string, string]>> =>
    (
      await db.database.query<{ id: string; type: string }>(
        `SELECT payload->>'backupRequestId' AS id, type FROM outbox
          WHERE sequence > $1 ORDER BY sequence`,
        [mark],
      )
    ).map((row: { id: string; type: string }) => [row.id, row.type]);

  it('applies several changes in one statement exactly as each would apply alone', async () => {
    const [toAllow, toRefuse, stale, toSucceed] = [
      await stored('Received'),
      await stored('Received'),
      await stored('Received'),
      await stored('Received', 'Allowed', 'Sent'),
    ] as [BackupRequest, BackupRequest, BackupRequest, BackupRequest];
    const backup = aBackup(toSucceed);
    const changes: StatusChange[] = [
      aChange(toAllow, 'Received', 'Allowed', {
        patch: { backupProviderCode: 'CloudB', storagePathName: '/store/b' },
      }),
      aChange(toRefuse, 'Received', 'NotAllowed'),
      aChange(stale, 'Allowed', 'Sent'),
      aChange(toSucceed, 'Sent', 'Succeeded', { backup, patch: { replyMessageText: null } }),
    ];

    const mark = await outboxMark();
    const rows = await db.database.query<{ n: number }>(
      APPLY_CHANGES_SQL,
      applyChangesParams(changes),
    );

    expect(rows.map((row: { n: number }) => row.n).sort()).toEqual([0, 1, 3]);
    const [allow, refuse, , succeed] = changes as [
      StatusChange,
      StatusChange,
      StatusChange,
      StatusChange,
    ];
    expect(await oneByOne.findById(toAllow.backupRequestId)).toEqual({
      ...toAllow,
      statusTypeCode: 'Allowed',
      statusTimestamp: allow.at,
      checkedTimestamp: allow.at,
      backupProviderCode: 'CloudB',
      storagePathName: '/store/b',
    });
    expect(await oneByOne.findById(toRefuse.backupRequestId)).toEqual({
      ...toRefuse,
      statusTypeCode: 'NotAllowed',
      statusTimestamp: refuse.at,
      checkedTimestamp: refuse.at,
    });
    expect(await oneByOne.findById(stale.backupRequestId)).toEqual(stale);
    expect(await oneByOne.findById(toSucceed.backupRequestId)).toEqual({
      ...toSucceed,
      statusTypeCode: 'Succeeded',
      statusTimestamp: succeed.at,
      replyTimestamp: succeed.at,
      replyMessageText: null,
    });
    expect(await backups.findByRequestId(toSucceed.backupRequestId)).toEqual(backup);
    expect(await backups.findByRequestId(toAllow.backupRequestId)).toBeNull();
    for (const [request, change] of [
      [toAllow, allow],
      [toSucceed, succeed],
    ] as const) {
      const last = (await oneByOne.history(request.backupRequestId)).at(-1);
      expect(last).toEqual({
        backupRequestId: request.backupRequestId,
        fromStatus: change.from,
        toStatus: change.to,
        at: change.at,
        by: 'test-service',
        messageId: change.messageId,
      });
    }
    expect(await oneByOne.history(stale.backupRequestId)).toHaveLength(1);
    // The new messages follow the order of the changes; the stale change wrote none.
    expect(await outboxSince(mark)).toEqual([
      [toAllow.backupRequestId, 'backup-request.allowed'],
      [toRefuse.backupRequestId, 'backup-request.not-allowed'],
      [toSucceed.backupRequestId, 'backup-request.succeeded'],
    ]);
  });

  it('gathers concurrent changes into one statement and reports each outcome', async () => {
    const { repository: batched, seen } = observed();
    const requests = await Promise.all(Array.from({ length: 9 }, () => stored('Received')));
    const statements = recordStatements(APPLY_CHANGES_SQL);
    // The fifth change is stale: its request is still Received.
    const changes = requests.map((request, i) =>
      i === 4 ? aChange(request, 'Allowed', 'Sent') : aChange(request, 'Received', 'Allowed'),
    );

    const results = await Promise.all(changes.map((change) => batched.applyChange(change)));

    expect(results).toEqual(requests.map((_, i) => (i === 4 ? 'conflict' : 'applied')));
    // All nine were asked for in one event-loop turn: they went as one statement.
    expect(statements().map(({ params }) => (params[3] as string[]).length)).toEqual([9]);
    expect(seen.batches).toEqual([['changes', 9]]);
    expect(seen.wakeUps).toBe(1);
    const statuses = await Promise.all(requests.map((r) => batched.findById(r.backupRequestId)));
    expect(statuses.map((r) => r?.statusTypeCode)).toEqual(
      requests.map((_, i) => (i === 4 ? 'Received' : 'Allowed')),
    );
  });

  it('gathers concurrent send claims into one statement, duplicates and all', async () => {
    const batches: Array<[string, number]> = [];
    const batched = new PostgresBackupRequestRepository(db.database, {
      onBatch: (kind, size) => batches.push([kind, size]),
    });
    const [first, ...allowed] = await Promise.all(
      Array.from({ length: 5 }, () => stored('Received', 'Allowed')),
    );
    const sent = await stored('Received', 'Allowed', 'Sent');
    const claim = (request: BackupRequest) => ({
      backupRequestId: request.backupRequestId,
      token: randomUUID(),
      now: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
    });
    const twice = allowed[0] as BackupRequest;
    const statements = recordStatements(CLAIM_SENDS_SQL);

    const results = await Promise.all(
      [first, ...allowed, twice, sent].map((request) =>
        batched.claimSend(claim(request as BackupRequest)),
      ),
    );

    // The claims went together, one row per distinct request.
    expect(results).toEqual([true, true, true, true, true, false, false]);
    expect(statements().map(({ params }) => (params[0] as string[]).length)).toEqual([6]);
    // The batch told its calls (seven, two of them for one request), not its distinct rows.
    expect(batches).toEqual([['claims', 7]]);
  });

  it('gives an error only to the change it belongs to when a batch fails, and reports it', async () => {
    const failures: BatchFailure[] = [];
    const batched = new PostgresBackupRequestRepository(db.database, {
      batching: { maxInFlight: 1, maxBatch: 50 },
      onBatchFailure: (failure) => failures.push(failure),
    });
    const [first, good, twice, sneaky, alsoGood] = [
      await stored('Received'),
      await stored('Received'),
      await stored('Received', 'Allowed', 'Sent'),
      await stored('Received'),
      await stored('Received'),
    ] as [BackupRequest, BackupRequest, BackupRequest, BackupRequest, BackupRequest];
    // `twice` already has a Backup: its change violates the unique constraint.
    await db.database.query(
      `INSERT INTO backup (backup_id, backup_request_id, backup_job_id, data_date,
         backup_provider_code, days_to_keep_count, hold_flag, storage_path_name,
         backup_byte_count, copy_start_timestamp, copy_end_timestamp, due_to_delete_date)
       VALUES (gen_random_uuid(), $1, 'job-1', '2024-02-29', 'Local', 1, false, '/x', 1,
         now(), now(), '2024-03-01')`,
      [twice.backupRequestId],
    );
    const bad = aChange(sneaky, 'Received', 'Allowed');

    const outcomes = await Promise.all(
      [
        aChange(first, 'Received', 'Allowed'),
        aChange(good, 'Received', 'Allowed'),
        aChange(twice, 'Sent', 'Succeeded', { backup: aBackup(twice) }),
        { ...bad, patch: { ...bad.patch, requesterId: 'someone-else' } } as never,
        aChange(alsoGood, 'Received', 'NotAllowed'),
      ].map((change) => batched.applyChange(change).catch((error: unknown) => error)),
    );

    expect(outcomes.slice(0, 3)).toEqual(['applied', 'applied', 'conflict']);
    expect(outcomes[3]).toBeInstanceOf(ValidationError);
    expect(outcomes[4]).toBe('applied');
    expect((await oneByOne.findById(twice.backupRequestId))?.statusTypeCode).toBe('Sent');
    expect((await oneByOne.findById(sneaky.backupRequestId))?.statusTypeCode).toBe('Received');
    expect((await oneByOne.findById(alsoGood.backupRequestId))?.statusTypeCode).toBe('NotAllowed');
    // The bad patch never reached the database; the other four went together and failed on
    // the second Backup, then each ran alone.
    expect(failures).toEqual([
      {
        kind: 'changes',
        size: 4,
        error: duplicateKey(),
      },
    ]);
  });

  it('creates requests that arrive together in one statement, exactly as each alone', async () => {
    const { repository: batched, seen } = observed();
    const requests = [
      aRequest(),
      aRequest(new Date('2024-03-01T10:00:00.123Z'), {
        callbackUrl: 'https://client.example/done',
        correlationId: 'corr-batch',
      }),
      aRequest(undefined, { dataDate: '2024-01-31', requesterId: 'client-b' }),
      aRequest(),
    ];
    // The second request sends two messages and the third none: each goes with its own.
    const outboxes = [
      [receivedEvent(requests[0] as BackupRequest)],
      [receivedEvent(requests[1] as BackupRequest), receivedEvent(requests[1] as BackupRequest)],
      [],
      [receivedEvent(requests[3] as BackupRequest)],
    ];
    const alone = aRequest(new Date('2024-03-01T10:00:00.123Z'), {
      callbackUrl: 'https://client.example/done',
      correlationId: 'corr-batch',
    });
    await oneByOne.create(alone, [receivedEvent(alone)]);
    const mark = await outboxMark();
    const statements = recordStatements(CREATE_SQL, CREATE_BATCH_SQL);

    const outcomes = await Promise.all(
      requests.map((request, i) => batched.create(request, outboxes[i] ?? [])),
    );

    expect(outcomes).toEqual(requests.map((request) => ({ outcome: 'created', request })));
    expect(statements().map(({ sql }) => sql)).toEqual([CREATE_BATCH_SQL]);
    expect(seen.batches).toEqual([['creates', 4]]);
    expect(seen.wakeUps).toBe(3);
    for (const request of requests) {
      expect(await oneByOne.findById(request.backupRequestId)).toEqual(request);
    }
    // The history row is the one a create alone writes.
    const [aloneFirst] = await oneByOne.history(alone.backupRequestId);
    const [batchedFirst] = await oneByOne.history((requests[1] as BackupRequest).backupRequestId);
    expect(batchedFirst).toEqual({ ...aloneFirst, backupRequestId: requests[1]?.backupRequestId });
    expect(await outboxSince(mark)).toEqual(
      requests.flatMap((request, i) =>
        (outboxes[i] ?? []).map(() => [request.backupRequestId, 'backup-request.received']),
      ),
    );
  });

  it('gives an error only to the create it belongs to when a batch fails, and reports it', async () => {
    const failures: BatchFailure[] = [];
    const batched = new PostgresBackupRequestRepository(db.database, {
      batching: { maxInFlight: 1, maxBatch: 50 },
      onBatchFailure: (failure) => failures.push(failure),
    });
    const existing = await stored('Received', 'Allowed');
    const [first, last] = [aRequest(), aRequest()];
    // A second create of a stored id violates the primary key.
    const again = aRequest();
    const clash = { ...again, backupRequestId: existing.backupRequestId };

    const outcomes = await Promise.all(
      [first, clash, last].map((request) =>
        batched.create(request, [receivedEvent(request)]).catch((error: unknown) => error),
      ),
    );

    expect(outcomes[0]).toEqual({ outcome: 'created', request: first });
    expect(outcomes[1]).toEqual(duplicateKey());
    expect(outcomes[2]).toEqual({ outcome: 'created', request: last });
    expect(await oneByOne.findById(existing.backupRequestId)).toEqual(existing);
    expect(failures).toEqual([
      {
        kind: 'creates',
        size: 3,
        error: duplicateKey(),
      },
    ]);
  });

  it('reads requests that are asked for together in one statement', async () => {
    const { repository: batched, seen } = observed();
    const requests = await Promise.all(Array.from({ length: 5 }, () => stored('Received')));
    const unknown = aRequest().backupRequestId;
    const statements = recordStatements(FIND_REQUEST_SQL, FIND_REQUESTS_SQL);

    const found = await Promise.all(
      [...requests.map((r) => r.backupRequestId), unknown].map((id) => batched.findById(id)),
    );

    expect(found).toEqual([...requests, null]);
    expect(statements()).toHaveLength(1);
    expect(seen.batches).toEqual([['reads', 6]]);
  });
});

describe('prepared statements and the server session', () => {
  let db: TestPersistence;

  beforeAll(async () => {
    db = await openTestPersistence('shared_session', { poolSize: 1 });
  });
  afterAll(async () => db.stop());

  /** Runs the hot statements on a one-connection pool, then counts that session's prepared ones. */
  async function namedStatementsAfterWork(sessionPerConnection: boolean): Promise<number> {
    const pool = await db.openPool({ poolSize: 1, sessionPerConnection });
    const requests = new PostgresBackupRequestRepository(pool, { batching: false });
    const request = aRequest();
    await requests.create(request, [receivedEvent(request)]);
    expect(await requests.findById(request.backupRequestId)).toEqual(request);
    expect(await requests.applyChange(aChange(request, 'Received', 'Allowed'))).toBe('applied');
    const [{ count }] = await pool.query(
      'SELECT count(*)::int AS count FROM pg_prepared_statements WHERE from_sql = false',
    );
    return count as number;
  }

  it('prepares the hot statements where each connection is a session of its own', async () => {
    expect(await namedStatementsAfterWork(true)).toBeGreaterThanOrEqual(3);
  });

  it('prepares none where connections share one session (the embedded server)', async () => {
    expect(await namedStatementsAfterWork(false)).toBe(0);
  });
});

describe('the plan of a batched status change', () => {
  let db: TestPersistence;

  beforeAll(async () => {
    db = await openTestPersistence('batch_plan');
  });
  afterAll(async () => db.stop());

  it('finds its rows through the primary key, also as a generic plan on a large table', async () => {
    await db.database.query(`INSERT INTO backup_request (backup_request_id, backup_job_id,
        data_date, prepared_data_path_name, transport_type_code, status_type_code, requester_id,
        correlation_id, received_timestamp, status_timestamp)
      SELECT gen_random_uuid(), 'job-1', '2024-02-29', '/p', 'HTTP', 'Succeeded', 'client-a',
        'c', now(), now() FROM generate_series(1, 20000)`);
    await db.database.query('ANALYZE backup_request');
    const plan = await db.database.withSession(async (session) => {
      await session.rows('SET plan_cache_mode = force_generic_plan');
      await session.rows(`PREPARE plan_check(jsonb, jsonb, jsonb, uuid[]) AS ${APPLY_CHANGES_SQL}`);
      const rows = await session.rows(`EXPLAIN EXECUTE plan_check('[]', '[]', '[]', '{}')`);
      // Session settings and the prepared statement end with this connection.
      await session.rows('DEALLOCATE plan_check; RESET plan_cache_mode');
      return rows.map((row) => String(row['QUERY PLAN'])).join('\n');
    });
    expect(plan).toContain('Index Cond: (backup_request_id = ANY ($4))');
    expect(plan).not.toContain('Seq Scan on backup_request');
  });
});
