import { setTimeout as sleep } from 'node:timers/promises';
import { testNamespace, waitFor } from '@linebacker/testing';
import {
  DependencyUnavailableError,
  isLinebackerError,
  type LinebackerError,
} from '@linebacker/domain';
import type { Client } from 'pg';
import type { Database } from './database';
import { persistenceConfig } from './config/persistence.config';
import { openDatabase, pingDatabase } from './database';
import { sqlStateOf } from './pg-errors';
import { PostgresBackupRequestRepository } from './repositories/backup-request.repository';
import { aChange, aRequest } from './testing/fixtures';
import { openTestPersistence, type TestPersistence } from './testing/test-database';

describe('a database that fails under the repositories', () => {
  let db: TestPersistence;
  let admin: Client;

  beforeAll(async () => {
    db = await openTestPersistence('failures');
    admin = await db.admin();
  });
  afterAll(async () => db.stop());

  async function pool(
    overrides = {},
  ): Promise<{ ds: Database; name: string; poolErrors: Error[] }> {
    const name = testNamespace('lb-failing');
    const poolErrors: Error[] = [];
    const ds = await db.openPool(
      { applicationName: name, ...overrides },
      { onPoolError: (error) => poolErrors.push(error) },
    );
    return { ds, name, poolErrors };
  }
  const backendsOf = async (name: string, where = 'true'): Promise<number> =>
    (
      await admin.query(
        `SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = $1 AND ${where}`,
        [name],
      )
    ).rows[0].count;
  const terminate = (name: string) =>
    admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
  /** Holds the request's row lock from another session, so a change to it must wait. */
  async function lockRow(id: string): Promise<void> {
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM backup_request WHERE backup_request_id = $1 FOR UPDATE', [id]);
  }
  /** Retries until a call succeeds; every failure on the way must already be mapped. */
  async function recovers(call: () => Promise<unknown>): Promise<LinebackerError[]> {
    const failures: LinebackerError[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await call();
        return failures;
      } catch (error) {
        if (!isLinebackerError(error) || error.kind === 'permanent') throw error;
        failures.push(error);
      }
    }
    throw new Error(`still failing: ${failures.map((f) => f.message).join('; ')}`);
  }

  it('reports a connection killed mid-statement as unavailable, then recovers', async () => {
    const { ds, name } = await pool();
    const requests = new PostgresBackupRequestRepository(ds);
    const request = aRequest();
    await requests.create(request, []);
    await lockRow(request.backupRequestId);
    const waiting = requests.applyChange(aChange(request, 'Received', 'Allowed'));
    await waitFor(
      async () => (await backendsOf(name, "wait_event_type = 'Lock'")) > 0,
      'a backend waiting on the lock',
    );
    await terminate(name);
    await expect(waiting).rejects.toMatchObject({ kind: 'unavailable' });
    await admin.query('ROLLBACK');
    await recovers(() => requests.findById(request.backupRequestId));
    expect(await requests.applyChange(aChange(request, 'Received', 'Allowed'))).toBe('applied');
  });

  it('survives idle pooled connections being killed, and the next calls recover', async () => {
    const { ds, name, poolErrors } = await pool();
    const requests = new PostgresBackupRequestRepository(ds);
    const request = aRequest();
    await requests.create(request, []);
    await Promise.all([1, 2, 3, 4].map(() => requests.findById(request.backupRequestId)));
    expect(await backendsOf(name)).toBeGreaterThan(1);
    await terminate(name);
    await waitFor(async () => (await backendsOf(name)) === 0, 'every backend gone');
    const failures = await recovers(() => requests.findById(request.backupRequestId));
    for (const failure of failures) expect(['unavailable', 'transient']).toContain(failure.kind);
    await waitFor(async () => poolErrors.length > 0, 'the pool to report an error');
  });

  it('survives backends terminated again and again under load: no unhandled error event', async () => {
    const { ds, name } = await pool({ poolSize: 4 });
    const requests = new PostgresBackupRequestRepository(ds);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    let stopped = false;
    // Sessions end at every point of their life: mid-query, idle in the pool, and in the
    // hand-over between the pool and a query runner, where neither listens for errors.
    const lane = async () => {
      while (!stopped) {
        await requests.create(aRequest(), []).catch(() => undefined);
        await requests.findById(aRequest().backupRequestId).catch(() => undefined);
        await sleep(Math.random() * 20);
      }
    };
    const lanes = Array.from({ length: 8 }, lane);
    try {
      for (let round = 0; round < 30; round++) {
        await sleep(50 + Math.random() * 100);
        await terminate(name);
      }
    } finally {
      stopped = true;
      await Promise.all(lanes);
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
    await recovers(() => requests.findById(aRequest().backupRequestId));
  }, 60_000);

  it('reports a statement cut off by statement_timeout as transient', async () => {
    const { ds } = await pool({ statementTimeoutMs: 300 });
    const requests = new PostgresBackupRequestRepository(ds);
    const request = aRequest();
    await requests.create(request, []);
    await lockRow(request.backupRequestId);
    const started = Date.now();
    const failure = await requests
      .applyChange(aChange(request, 'Received', 'Allowed'))
      .catch((e) => e);
    await admin.query('ROLLBACK');
    expect(failure).toMatchObject({ kind: 'transient', code: 'DependencyFailed' });
    expect(sqlStateOf(failure)).toBe('57014');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('drops a connection whose query hit the client read timeout, so the next call is not stuck behind it', async () => {
    const { ds } = await pool({ poolSize: 1, queryTimeoutMs: 1000, statementTimeoutMs: 20_000 });
    const requests = new PostgresBackupRequestRepository(ds);
    const [stuck, other] = [aRequest(), aRequest()];
    await requests.create(stuck, []);
    await requests.create(other, []);
    await lockRow(stuck.backupRequestId);
    try {
      const failure = await requests
        .applyChange(aChange(stuck, 'Received', 'Allowed'))
        .catch((e) => e);
      expect(failure).toMatchObject({
        kind: 'transient',
        message: expect.stringMatching(/read timeout/),
      });
      // Behind the abandoned query this would hit its own read timeout and fail.
      expect((await requests.findById(other.backupRequestId))?.backupRequestId).toBe(
        other.backupRequestId,
      );
    } finally {
      await admin.query('ROLLBACK');
    }
  });

  it('reports an exhausted pool as unavailable after the connect timeout', async () => {
    // Long enough that opening the pool (one real connection) does not time out on a host
    // busy with other suites; the wait for the held connection must then hit the same limit.
    const connectTimeoutMs = 1500;
    const { ds } = await pool({ poolSize: 1, connectTimeoutMs });
    const requests = new PostgresBackupRequestRepository(ds);
    // The pool's one connection, held until `release` is called.
    let release = (): void => undefined;
    let held: Promise<void> = Promise.resolve();
    await new Promise<void>((lent) => {
      held = ds.withSession(() => {
        lent();
        return new Promise<void>((done) => (release = done));
      });
    });
    const started = Date.now();
    await expect(requests.findById(aRequest().backupRequestId)).rejects.toMatchObject({
      kind: 'unavailable',
    });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(connectTimeoutMs - 50);
    expect(waited).toBeLessThan(connectTimeoutMs + 3000);
    release();
    await held;
    expect(await requests.findById(aRequest().backupRequestId)).toBeNull();
  });

  it('reports a server that refuses connections as unavailable', async () => {
    const config = persistenceConfig('postgres://postgres@127.0.0.1:1/nothing', {
      connectTimeoutMs: 1000,
    });
    await expect(openDatabase(config)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('answers a readiness ping, and reports a closed pool as unavailable', async () => {
    const { ds } = await pool();
    await expect(pingDatabase(ds)).resolves.toBeUndefined();
    await ds.close();
    await expect(pingDatabase(ds)).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(
      new PostgresBackupRequestRepository(ds).findById(aRequest().backupRequestId),
    ).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
