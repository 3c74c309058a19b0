import { randomUUID } from 'node:crypto';
import { ValidationError } from '@linebacker/domain';
import { aBackup, aChange, aRequest, receivedEvent } from '../testing/fixtures';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { PostgresBackupRepository } from './backup.repository';
import { PostgresBackupRequestRepository } from './backup-request.repository';

describe('PostgresBackupRequestRepository', () => {
  let db: TestPersistence;
  let requests: PostgresBackupRequestRepository;
  let backups: PostgresBackupRepository;
  let wakeUps: number;

  beforeAll(async () => {
    db = await openTestPersistence('requests');
    requests = new PostgresBackupRequestRepository(db.database, {
      onOutboxWritten: () => void wakeUps++,
    });
    backups = new PostgresBackupRepository(db.database);
  });
  afterAll(async () => db.stop());
  beforeEach(() => (wakeUps = 0));

  const outboxTypes = async (id: string): Promise<string[]> =>
    (
      await db.database.query<{ type: string }>(
        `SELECT type FROM outbox WHERE payload->>'backupRequestId' = $1 ORDER BY sequence`,
        [id],
      )
    ).map((row: { type: string }) => row.type);

  it('creates a request with its history row and outbox message, and reads it back', async () => {
    const request = aRequest();
    expect(await requests.create(request, [receivedEvent(request)])).toEqual({
      outcome: 'created',
      request,
    });
    expect(await requests.findById(request.backupRequestId)).toEqual(request);
    expect(await requests.history(request.backupRequestId)).toEqual([
      {
        backupRequestId: request.backupRequestId,
        fromStatus: null,
        toStatus: 'Received',
        at: request.receivedTimestamp,
        by: 'http-receiver',
        messageId: null,
      },
    ]);
    expect(await outboxTypes(request.backupRequestId)).toEqual(['backup-request.received']);
    expect(wakeUps).toBe(1);
  });

  it('keeps reading and moving requests after a migration adds a column (prepared statements)', async () => {
    const request = aRequest();
    await requests.create(request, [receivedEvent(request)]);
    // Every pooled connection prepares the hot statements before the column appears.
    const readAll = () =>
      Promise.all(Array.from({ length: 8 }, () => requests.findById(request.backupRequestId)));
    await readAll();
    await db.database.query('ALTER TABLE backup_request ADD COLUMN added_later integer');
    try {
      expect(await readAll()).toEqual(Array.from({ length: 8 }, () => request));
      expect(await requests.applyChange(aChange(request, 'Received', 'Allowed'))).toBe('applied');
    } finally {
      await db.database.query('ALTER TABLE backup_request DROP COLUMN added_later');
    }
  });

  it('records the service given at construction on the first history row', async () => {
    const viaQueue = new PostgresBackupRequestRepository(db.database, { service: 'queue-intake' });
    const request = aRequest(undefined, { transportTypeCode: 'Queue' });
    await viaQueue.create(request, [receivedEvent(request)]);
    expect((await viaQueue.history(request.backupRequestId))[0].by).toBe('queue-intake');
  });

  it('returns null for an unknown or malformed id', async () => {
    expect(await requests.findById(randomUUID())).toBeNull();
    expect(await requests.findById('not-a-uuid')).toBeNull();
    expect(await requests.history('not-a-uuid')).toEqual([]);
    expect(await backups.findByRequestId('not-a-uuid')).toBeNull();
  });

  it('counts requests per status, every status present', async () => {
    const before = await requests.countByStatus();
    expect(Object.keys(before).sort()).toEqual(
      ['Allowed', 'Failed', 'NotAllowed', 'Received', 'Sent', 'Succeeded'].sort(),
    );
    const first = aRequest();
    const second = aRequest();
    await requests.create(first, []);
    await requests.create(second, []);
    expect(await requests.applyChange(aChange(second, 'Received', 'Allowed'))).toBe('applied');
    const after = await requests.countByStatus();
    expect(after.Received - before.Received).toBe(1);
    expect(after.Allowed - before.Allowed).toBe(1);
    expect(after.Succeeded - before.Succeeded).toBe(0);
  });

  it('refuses a missing id instead of matching every row', async () => {
    await requests.create(aRequest(), []);
    const missing = [undefined, null, ''] as unknown as string[];
    for (const id of missing) {
      await expect(requests.findById(id)).rejects.toBeInstanceOf(ValidationError);
      await expect(requests.history(id)).rejects.toBeInstanceOf(ValidationError);
      await expect(backups.findByRequestId(id)).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('applies a change: status, patch, history and outbox in one go', async () => {
    const request = aRequest();
    await requests.create(request, [receivedEvent(request)]);
    wakeUps = 0;
    const change = aChange(request, 'Received', 'Allowed', {
      patch: { backupProviderCode: 'CloudB', storagePathName: '/store/b' },
    });
    expect(await requests.applyChange(change)).toBe('applied');
    expect(await requests.findById(request.backupRequestId)).toEqual({
      ...request,
      statusTypeCode: 'Allowed',
      statusTimestamp: change.at,
      checkedTimestamp: change.at,
      backupProviderCode: 'CloudB',
      storagePathName: '/store/b',
    });
    const history = await requests.history(request.backupRequestId);
    expect(history.map((entry) => [entry.fromStatus, entry.toStatus])).toEqual([
      [null, 'Received'],
      ['Received', 'Allowed'],
    ]);
    expect(history[1]).toMatchObject({ by: 'test-service', messageId: change.messageId });
    expect(await outboxTypes(request.backupRequestId)).toEqual([
      'backup-request.received',
      'backup-request.allowed',
    ]);
    expect(wakeUps).toBe(1);
  });

  it('reports a conflict and writes nothing when the status is no longer `from`', async () => {
    const request = aRequest();
    await requests.create(request, [receivedEvent(request)]);
    wakeUps = 0;
    expect(await requests.applyChange(aChange(request, 'Allowed', 'Sent'))).toBe('conflict');
    expect((await requests.findById(request.backupRequestId))?.statusTypeCode).toBe('Received');
    expect(await requests.history(request.backupRequestId)).toHaveLength(1);
    expect(await outboxTypes(request.backupRequestId)).toEqual(['backup-request.received']);
    expect(wakeUps).toBe(0);
  });

  it('stores the Backup with the move to Succeeded, byte count and dates intact', async () => {
    const request = aRequest();
    await requests.create(request, []);
    await requests.applyChange(aChange(request, 'Received', 'Allowed'));
    const backup = aBackup(request);
    expect(await requests.applyChange(aChange(request, 'Allowed', 'Succeeded', { backup }))).toBe(
      'applied',
    );
    expect(await backups.findByRequestId(request.backupRequestId)).toEqual(backup);
    expect(backup.backupByteCount).toBe('9007199254740993');
    expect(backup.dueToDeleteDate).toBe('2025-02-28');
  });

  it('reports a second Backup for a request as a conflict, with no partial writes', async () => {
    const request = aRequest();
    await requests.create(request, [receivedEvent(request)]);
    await requests.applyChange(aChange(request, 'Received', 'Allowed'));
    await requests.applyChange(aChange(request, 'Allowed', 'Sent'));
    const first = aBackup(request);
    await db.database.query(
      `INSERT INTO backup (backup_id, backup_request_id, backup_job_id, data_date,
         backup_provider_code, days_to_keep_count, hold_flag, storage_path_name,
         backup_byte_count, copy_start_timestamp, copy_end_timestamp, due_to_delete_date)
       VALUES ($1, $2, 'job-1', '2024-02-29', 'Local', 1, false, '/x', 1, now(), now(),
         '2024-03-01')`,
      [first.backupId, request.backupRequestId],
    );
    const before = await outboxTypes(request.backupRequestId);
    wakeUps = 0;

    const second = aChange(request, 'Sent', 'Succeeded', { backup: aBackup(request) });
    expect(await requests.applyChange(second)).toBe('conflict');

    expect((await requests.findById(request.backupRequestId))?.statusTypeCode).toBe('Sent');
    expect((await requests.history(request.backupRequestId)).map((h) => h.toStatus)).toEqual([
      'Received',
      'Allowed',
      'Sent',
    ]);
    expect(await outboxTypes(request.backupRequestId)).toEqual(before);
    expect((await backups.findByRequestId(request.backupRequestId))?.backupId).toBe(first.backupId);
    expect(wakeUps).toBe(0);
  });

  it('rejects data the schema forbids as a permanent error', async () => {
    const tooLong = { ...aRequest(), backupJobId: 'j'.repeat(51) };
    await expect(requests.create(tooLong, [])).rejects.toMatchObject({
      kind: 'permanent',
      code: 'DatabaseRejected',
    });
    const request = aRequest();
    await requests.create(request, []);
    const change = aChange(request, 'Received', 'Allowed');
    const tooLongReply = {
      ...change,
      patch: { ...change.patch, replyMessageText: 'r'.repeat(251) },
    };
    await expect(requests.applyChange(tooLongReply)).rejects.toMatchObject({
      kind: 'permanent',
      details: { sqlState: '22001' },
    });
    expect((await requests.findById(request.backupRequestId))?.statusTypeCode).toBe('Received');
  });

  it('refuses a patch field a status change may not set', async () => {
    const request = aRequest();
    await requests.create(request, []);
    const change = aChange(request, 'Received', 'Allowed');
    const sneaky = { ...change, patch: { ...change.patch, requesterId: 'someone-else' } };
    await expect(requests.applyChange(sneaky as never)).rejects.toBeInstanceOf(ValidationError);
  });
});
