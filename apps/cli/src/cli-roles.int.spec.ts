import { randomUUID } from 'node:crypto';
import { receiveBackupRequest, systemClock } from '@linebacker/domain';
import { aNewRequest } from '@linebacker/domain/testing';
import {
  openDatabase,
  persistenceConfig,
  runMigrations,
  PostgresBackupRequestRepository,
  type Database,
} from '@linebacker/persistence';
import {
  createDatabaseRoles,
  createTestDatabase,
  deleteBrokerNamespace,
  rabbitmqForTests,
  testNamespace,
  type TestDatabaseRoles,
  type TestService,
  retentionRowCounts,
  seedRequests,
} from '@linebacker/testing';
import { HEALTHY_PROBE_BOUND, runCli as cli } from './testing/run-cli';

jest.setTimeout(60_000);

describe('linebacker CLI logged in as a linebacker_reader member', () => {
  let database: TestService;
  let broker: TestService;
  let roles: TestDatabaseRoles;
  let env: Record<string, string>;
  let requestId: string;
  const namespace = testNamespace('cliroles');

  beforeAll(async () => {
    database = await createTestDatabase('cliroles');
    broker = await rabbitmqForTests();
    roles = await createDatabaseRoles(database.url, {
      owner: ['owner'],
      app: ['receiver'],
      reader: ['cli'],
      operator: ['operator'],
      // A login of no linebacker group: it may not even connect to the database.
      none: ['outsider'],
    });
    const owner = await openDatabase(persistenceConfig(roles.url('owner'), { poolSize: 1 }));
    await runMigrations(owner).finally(() => owner.close());
    requestId = await seedRequest(roles.url('receiver'));
    env = {
      LINEBACKER_DATABASE_URL: roles.url('cli'),
      LINEBACKER_AMQP_URL: broker.url,
      // No queue is declared: stats reads the broker's view of queues that do not exist.
      // Opening the bus declares the events exchange, which the clean-up deletes.
      LINEBACKER_NAMESPACE: namespace,
      LINEBACKER_QUEUE_TYPE: 'classic',
    };
  }, 60_000);

  afterAll(async () => {
    await database?.stop();
    await roles?.drop();
    if (broker) await deleteBrokerNamespace(broker.url, namespace);
    await broker?.stop();
  }, 30_000);

  it('shows a request and the request counts with SELECT alone', async () => {
    const show = await cli(['request', 'show', requestId, '--json'], env);
    expect(show).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(show.stdout)).toMatchObject({
      request: { backupRequestId: requestId, statusTypeCode: 'Received' },
      history: [{ toStatus: 'Received', by: 'http-receiver' }],
      backup: null,
    });
    const stats = JSON.parse(
      (await cli(['stats', '--json', ...HEALTHY_PROBE_BOUND], env)).stdout,
    ) as object;
    expect(stats).toMatchObject({
      dependencies: { database: 'up', broker: 'up' },
      requests: { Received: 1, Succeeded: 0 },
      outbox: { count: 1 },
    });
  });

  it('counts with SELECT alone but needs the operator login (linebacker_retention) to remove', async () => {
    const seeder = await openDatabase(persistenceConfig(database.url, { poolSize: 1 }));
    try {
      await seedRequests(seeder, { count: 4, status: 'Failed', endedDaysAgo: 91, keyDaysAgo: 91 });
      await seedRequests(seeder, {
        count: 2,
        status: 'Succeeded',
        endedDaysAgo: 1,
        backup: { dueDaysAgo: 2 },
      });
      const dry = await cli(['retention', 'run', '--dry-run', '--json'], env);
      expect(dry).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(dry.stdout)).toMatchObject({
        dryRun: true,
        counts: { requests: 4, statusHistory: 8, idempotencyKeys: 4, backupsMarked: 2 },
      });

      const refused = await cli(['retention', 'run'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^linebacker: postgresql: permission denied for table /);

      const run = await cli(['retention', 'run', '--json', '--operator', 'ops-a'], {
        ...env,
        LINEBACKER_DATABASE_URL: roles.url('operator'),
      });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        dryRun: false,
        complete: true,
        counts: { requests: 4, statusHistory: 8, idempotencyKeys: 4, backupsMarked: 2 },
      });
      expect(JSON.parse(run.stderr)).toMatchObject({
        audit: 'retention.run',
        operator: 'ops-a',
        requests: 4,
        backupsMarked: 2,
      });
      expect(await retentionRowCounts(seeder)).toMatchObject({ requests: 3, marked: 2 });
    } finally {
      await seeder.close();
    }
  });

  it('exits 1 naming the refused privilege and the grants to check, with no stack trace', async () => {
    const run = await cli(['request', 'show', requestId], {
      ...env,
      LINEBACKER_DATABASE_URL: roles.url('outsider'),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^linebacker: postgresql: permission denied for database .*\(SQLSTATE 42501\).*docs\/security\.md#postgresql-roles\)\n$/,
    );
  });
});

/** A Received request, written through the use case as an app's role writes it. */
async function seedRequest(url: string): Promise<string> {
  const database: Database = await openDatabase(persistenceConfig(url, { poolSize: 1 }));
  try {
    const requests = new PostgresBackupRequestRepository(database);
    const ids = { newId: () => randomUUID() };
    const accepted = await receiveBackupRequest(
      { requests, ids, clock: systemClock },
      aNewRequest(),
    );
    return accepted.request.backupRequestId;
  } finally {
    await database.close();
  }
}
