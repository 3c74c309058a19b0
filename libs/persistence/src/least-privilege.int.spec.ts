import type { BackupRequest } from '@linebacker/domain';
import {
  createDatabaseRoles,
  createTestDatabase,
  type TestDatabaseRoles,
  type TestService,
} from '@linebacker/testing';
import { Client } from 'pg';
import { persistenceConfig } from './config/persistence.config';
import { openDatabase, type Database } from './database';
import { runMigrations } from './migrations/run-migrations';
import { assertAppPrivileges } from './privilege-check';
import { PostgresBackupRepository } from './repositories/backup.repository';
import { PostgresBackupRequestRepository } from './repositories/backup-request.repository';
import { PostgresOutboxStore } from './repositories/outbox.store';
import { aBackup, aChange, aRequest, receivedEvent } from './testing/fixtures';

/** What an app's role must never do: change the schema or empty a table wholesale. */
const SCHEMA_CHANGES = [
  'CREATE TABLE intruder (id integer)',
  'CREATE TEMP TABLE intruder (id integer)',
  'DROP TABLE backup_request',
  'TRUNCATE backup_request',
  'ALTER TABLE backup_request ADD COLUMN intruder integer',
  'CREATE INDEX ix_intruder ON backup_request (requester_id)',
];

describe('least privilege: linebacker as the owner, app and reader roles', () => {
  let database: TestService;
  let roles: TestDatabaseRoles;
  const pools: Database[] = [];
  /** The request the app role takes to Succeeded, for the reader to find. */
  let succeeded: BackupRequest;
  const clients: Client[] = [];

  const pool = async (login: string): Promise<Database> => {
    const opened = await openDatabase(persistenceConfig(roles.url(login), { poolSize: 3 }));
    pools.push(opened);
    return opened;
  };
  const client = async (login: string): Promise<Client> => {
    const connected = new Client({ connectionString: roles.url(login) });
    await connected.connect();
    clients.push(connected);
    return connected;
  };

  beforeAll(async () => {
    database = await createTestDatabase('leastpriv');
    roles = await createDatabaseRoles(database.url, {
      owner: ['owner'],
      app: ['app'],
      reader: ['reader'],
    });
    // The owner is no superuser and may not create roles: the script made the groups.
    await runMigrations(await pool('owner'));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await database.stop();
    await roles.drop();
  });

  it.each(SCHEMA_CHANGES)('refuses the app role: %s (SQLSTATE 42501)', async (statement) => {
    const app = await client('app');
    await expect(app.query(statement)).rejects.toMatchObject({ code: '42501' });
  });

  it('lets the app role create, read, move, claim and relay requests', async () => {
    const opened = await pool('app');
    await assertAppPrivileges(opened);
    const requests = new PostgresBackupRequestRepository(opened);
    const backups = new PostgresBackupRepository(opened);
    const outbox = new PostgresOutboxStore(opened);

    const request = aRequest(new Date('2024-03-01T10:00:00.000Z'));
    succeeded = request;
    expect((await requests.create(request, [receivedEvent(request)])).outcome).toBe('created');
    const allowed = aChange(request, 'Received', 'Allowed');
    expect(await requests.applyChange(allowed)).toBe('applied');
    expect(await requests.applyChange(aChange(request, 'Allowed', 'Sent'))).toBe('applied');
    const backup = aBackup(request);
    expect(await requests.applyChange(aChange(request, 'Sent', 'Succeeded', { backup }))).toBe(
      'applied',
    );
    expect((await requests.findById(request.backupRequestId))?.statusTypeCode).toBe('Succeeded');
    expect(await requests.history(request.backupRequestId)).toHaveLength(4);
    expect((await backups.findByRequestId(request.backupRequestId))?.backupId).toBe(
      backup.backupId,
    );

    const stalled = aRequest(new Date('2024-03-01T09:00:00.000Z'));
    await requests.create(stalled, [receivedEvent(stalled)]);
    const claimed = await requests.claimStalled(
      {
        statuses: ['Received'],
        now: new Date('2024-03-01T12:00:00.000Z'),
        changedBefore: new Date('2024-03-01T11:00:00.000Z'),
        redrivenBefore: new Date('2024-03-01T11:00:00.000Z'),
        limit: 10,
      },
      (found) => [receivedEvent(found)],
    );
    expect(claimed.map((r) => r.backupRequestId)).toContain(stalled.backupRequestId);

    // Changes that arrive together go as one batched statement (group commit).
    const many = Array.from({ length: 5 }, () => aRequest());
    await Promise.all(many.map((r) => requests.create(r, [receivedEvent(r)])));
    const moved = await Promise.all(
      many.map((r) => requests.applyChange(aChange(r, 'Received', 'Allowed'))),
    );
    expect(moved).toEqual(many.map(() => 'applied'));

    const published: string[] = [];
    const publish = async (rows: Array<{ type: string }>) => {
      published.push(...rows.map((row) => row.type));
    };
    while ((await outbox.processBatch(50, publish)) > 0);
    expect(published.length).toBeGreaterThanOrEqual(15);
    expect((await outbox.backlog(new Date())).count).toBe(0);
    expect((await requests.countByStatus()).Succeeded).toBe(1);
  });

  it('lets the reader role read requests, history, Backups and the outbox backlog', async () => {
    const opened = await pool('reader');
    const requests = new PostgresBackupRequestRepository(opened);
    const id = succeeded.backupRequestId;
    expect((await requests.findById(id))?.statusTypeCode).toBe('Succeeded');
    expect((await requests.history(id)).map((entry) => entry.toStatus)).toEqual([
      'Received',
      'Allowed',
      'Sent',
      'Succeeded',
    ]);
    expect(await new PostgresBackupRepository(opened).findByRequestId(id)).not.toBeNull();
    expect((await requests.countByStatus()).Succeeded).toBe(1);
    expect(await new PostgresOutboxStore(opened).backlog(new Date())).toEqual({
      count: 0,
      oldestAgeMs: 0,
    });
  });

  it('refuses every write of the reader role as a deployment fault naming the grants', async () => {
    const opened = await pool('reader');
    const requests = new PostgresBackupRequestRepository(opened);
    const request = aRequest();
    await expect(requests.create(request, [receivedEvent(request)])).rejects.toMatchObject({
      code: 'DatabasePermissionDenied',
      kind: 'unavailable',
      message: expect.stringMatching(
        /permission denied for table .*SQLSTATE 42501.*docs\/security\.md#postgresql-roles/,
      ),
    });
    const reader = await client('reader');
    for (const statement of ['DELETE FROM outbox', 'UPDATE backup SET hold_flag = true']) {
      await expect(reader.query(statement)).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('stops an app at start-up when its role cannot write, listing what is missing', async () => {
    await expect(assertAppPrivileges(await pool('reader'))).rejects.toMatchObject({
      code: 'DatabasePrivilegesMissing',
      kind: 'permanent',
      missing: expect.arrayContaining([
        'INSERT on backup_request',
        'DELETE on outbox',
        'USAGE on outbox_sequence_seq',
      ]),
    });
  });

  it('refuses migrations as the app role with an error that names the owner', async () => {
    await expect(runMigrations(await pool('app'))).rejects.toMatchObject({
      code: 'MigrationNotPermitted',
      kind: 'permanent',
      message: expect.stringMatching(/permission denied for schema public.*schema's owner/),
    });
  });
});
