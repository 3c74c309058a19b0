import { waitFor } from '@linebacker/testing';
import {
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  type IdempotencyRecord,
} from '@linebacker/domain';
import type { Client } from 'pg';
import { aRequest, receivedEvent } from '../testing/fixtures';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { PostgresBackupRequestRepository } from './backup-request.repository';

describe('intake idempotency', () => {
  let db: TestPersistence;
  let requests: PostgresBackupRequestRepository;
  let keyNumber = 0;

  beforeAll(async () => {
    db = await openTestPersistence('idempotency');
    requests = new PostgresBackupRequestRepository(db.database, {
      idempotencyLockTimeoutMs: 300,
    });
  });
  afterAll(async () => db.stop());

  const aKey = (fingerprint = 'fp-1'): IdempotencyRecord => ({
    requesterId: 'client-a',
    key: `key-${++keyNumber}`,
    fingerprint,
  });
  const rowsFor = async (id: string): Promise<number> =>
    (
      await db.database.query<{ count: number }>(
        `SELECT ((SELECT count(*) FROM backup_request WHERE backup_request_id = $1)
              + (SELECT count(*) FROM outbox WHERE payload->>'backupRequestId' = $1::text)
              + (SELECT count(*) FROM backup_request_status_history WHERE backup_request_id = $1)
              )::int AS count`,
        [id],
      )
    )[0]?.count ?? 0;

  /** Another intake's transaction that stored the key and has not committed yet. */
  async function holdKeyUncommitted(key: IdempotencyRecord): Promise<Client> {
    const admin = await db.admin();
    const held = aRequest();
    await admin.query('BEGIN');
    await admin.query(
      `INSERT INTO backup_request (backup_request_id, backup_job_id, data_date,
         prepared_data_path_name, transport_type_code, status_type_code, requester_id,
         correlation_id, received_timestamp, status_timestamp)
       VALUES ($1, 'job-1', '2024-02-29', '/p', 'HTTP', 'Received', $2, $3, now(), now())`,
      [held.backupRequestId, key.requesterId, held.correlationId],
    );
    await admin.query(
      `INSERT INTO intake_idempotency_key (requester_id, idempotency_key, fingerprint,
         backup_request_id) VALUES ($1, $2, $3, $4)`,
      [key.requesterId, key.key, key.fingerprint, held.backupRequestId],
    );
    return admin;
  }

  it('returns the original request for the same key and body', async () => {
    const key = aKey();
    const original = aRequest();
    await requests.create(original, [receivedEvent(original)], key);
    const retry = aRequest();
    expect(await requests.create(retry, [receivedEvent(retry)], key)).toEqual({
      outcome: 'replayed',
      request: original,
    });
    expect(await rowsFor(retry.backupRequestId)).toBe(0);
  });

  it('keeps keys apart per requester', async () => {
    const key = aKey();
    await requests.create(aRequest(), [], key);
    const other = aRequest(undefined, { requesterId: 'client-b' });
    const outcome = await requests.create(other, [], { ...key, requesterId: 'client-b' });
    expect(outcome.outcome).toBe('created');
  });

  it('refuses the same key with another body', async () => {
    const key = aKey('fp-original');
    await requests.create(aRequest(), [], key);
    const retry = aRequest();
    await expect(
      requests.create(retry, [receivedEvent(retry)], { ...key, fingerprint: 'fp-other' }),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await rowsFor(retry.backupRequestId)).toBe(0);
  });

  it('reports a key another call holds uncommitted as in flight, quickly', async () => {
    const key = aKey();
    const admin = await holdKeyUncommitted(key);
    const second = aRequest();
    const started = Date.now();
    await expect(requests.create(second, [receivedEvent(second)], key)).rejects.toBeInstanceOf(
      IdempotencyKeyInFlightError,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await rowsFor(second.backupRequestId)).toBe(0);

    await admin.query('COMMIT');
    const outcome = await requests.create(second, [receivedEvent(second)], key);
    expect(outcome.outcome).toBe('replayed');
    expect(outcome.request.backupRequestId).not.toBe(second.backupRequestId);
  });

  it('creates the request when the other call rolls back while it waits', async () => {
    const key = aKey();
    const admin = await holdKeyUncommitted(key);
    const patient = new PostgresBackupRequestRepository(db.database, {
      idempotencyLockTimeoutMs: 10_000,
    });
    const second = aRequest();
    const pending = patient.create(second, [receivedEvent(second)], key);
    await waitFor(async () => {
      const rows = await db.database.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [db.applicationName],
      );
      return rows.length > 0;
    }, 'the second create to wait on the key lock');
    await admin.query('ROLLBACK');
    expect(await pending).toEqual({ outcome: 'created', request: second });
  });
});
