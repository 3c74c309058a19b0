import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  receiveBackupRequest,
  checkAllowed,
  PermanentError,
  receiveStatus,
  sendToInterface,
  systemClock,
} from '@linebacker/domain';
import {
  aBackupJob,
  aNewRequest,
  aStoreStatusReply,
  FakeBackupJobService,
  RecordingBackupInterface,
} from '@linebacker/domain/testing';
import { AmqpMessageBus } from '@linebacker/messaging';
import {
  openDatabase,
  persistenceConfig,
  runMigrations,
  PostgresBackupRepository,
  PostgresBackupRequestRepository,
  PostgresCallbackAttemptLog,
  type Database,
} from '@linebacker/persistence';
import { allSubscriptions, PAYLOAD_SCHEMAS, pipelineConfigSchema } from '@linebacker/pipeline';
import { loadConfig } from '@linebacker/runtime';
import {
  createTestDatabase,
  deleteBrokerNamespace,
  rabbitmqForTests,
  testNamespace,
  type TestService,
  waitFor,
} from '@linebacker/testing';
import { HEALTHY_PROBE_BOUND, runCli as cli, type CliRun as Run } from './testing/run-cli';

const json = <T>(run: Run): T => JSON.parse(run.stdout) as T;

// Each case runs the bundle several times as a fresh process (about a second each).
jest.setTimeout(60_000);

describe('linebacker CLI against PostgreSQL and RabbitMQ', () => {
  let database: TestService;
  let broker: TestService;
  let pool: Database;
  let bus: AmqpMessageBus;
  let env: Record<string, string>;
  let namespace: string;
  let requestId: string;
  const poisonIds = [randomUUID(), randomUUID()];

  beforeAll(async () => {
    database = await createTestDatabase('cli');
    broker = await rabbitmqForTests();
    namespace = testNamespace('cli');
    env = {
      LINEBACKER_DATABASE_URL: database.url,
      LINEBACKER_AMQP_URL: broker.url,
      LINEBACKER_NAMESPACE: namespace,
      LINEBACKER_QUEUE_TYPE: 'classic',
      USER: 'ops-user',
    };
    pool = await openDatabase(persistenceConfig(database.url, { poolSize: 2 }));
    await runMigrations(pool);
    requestId = await seedSucceededRequest(pool);
    await new PostgresCallbackAttemptLog(pool).record({
      backupRequestId: requestId,
      eventId: `${requestId}:Succeeded`,
      attemptedAt: new Date('2024-03-16T02:00:00.000Z'),
      outcome: 'failed',
      statusCode: 503,
      durationMs: 40,
      reason: 'receiver hooks.example.com answered HTTP 503',
    });
    bus = await seedDeadLetters(env, poisonIds);
  }, 60_000);

  afterAll(async () => {
    await bus?.stop(1000);
    await pool?.close();
    await deleteBrokerNamespace(broker.url, namespace);
    await database?.stop();
    await broker?.stop();
  }, 30_000);

  it('shows a request with its whole history, services, message ids and Backup', async () => {
    const run = await cli(['request', 'show', requestId, '--json'], env);
    expect(run.code).toBe(0);
    const report = json<{
      request: { statusTypeCode: string };
      history: Array<{ toStatus: string; by: string; messageId: string | null }>;
      backup: { backupByteCount: string } | null;
      callbackAttempts: Array<{ outcome: string; statusCode: number | null }>;
    }>(run);
    expect(report.request.statusTypeCode).toBe('Succeeded');
    expect(report.history.map((h) => [h.toStatus, h.by])).toEqual([
      ['Received', 'http-receiver'],
      ['Allowed', 'check-allowed'],
      ['Sent', 'send-to-interface'],
      ['Succeeded', 'receive-status'],
    ]);
    expect(report.history[1]?.messageId).toBe('msg-allowed');
    // A bigint column: JSON carries it as a decimal string, exact at any size.
    expect(report.backup?.backupByteCount).toBe('1048576');
    expect(report.callbackAttempts).toMatchObject([{ outcome: 'failed', statusCode: 503 }]);
    const text = await cli(['request', 'show', requestId], env);
    expect(text.stdout).toMatch(new RegExp(`request ${requestId}\\s+Succeeded`));
    expect(text.stdout).toMatch(/msg-allowed/);
    expect(text.stdout).toMatch(/callback attempts[\s\S]*failed\s+503\s+40\s+receiver hooks/);
  });

  it('exits 3 for an unknown or malformed request id', async () => {
    const unknown = await cli(['request', 'show', randomUUID()], env);
    expect(unknown).toMatchObject({ code: 3, stdout: '' });
    expect(unknown.stderr).toMatch(/no backup request/);
    expect((await cli(['request', 'show', 'not-a-uuid', '--json'], env)).code).toBe(3);
  });

  it('exits 2 on bad usage, naming what is wrong', async () => {
    expect((await cli(['request'], env)).code).toBe(2);
    expect((await cli(['stats', '--bogus'], env)).code).toBe(2);
    const sub = await cli(['dlq', 'list', 'nope'], env);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toMatch(/one of: check-allowed\.backup-request\.received/);
    expect((await cli(['dlq', 'replay', 'check-allowed'], env)).stderr).toMatch(/--id .* or --all/);
    const purge = await cli(['dlq', 'purge', 'check-allowed'], env);
    expect(purge.code).toBe(2);
    const badConfig = await cli(['stats'], { ...env, LINEBACKER_AMQP_URL: 'http://x' });
    expect(badConfig.code).toBe(2);
    expect((await cli(['--help'], env)).stdout).toMatch(/Exit codes: 0 ok/);
  });

  it('lists dead letters with reason, error code and routing key, and shows one', async () => {
    const list = await cli(['dlq', 'list', 'check-allowed.backup-request.received', '--json'], env);
    expect(list.code).toBe(0);
    const letters = json<Array<Record<string, string>>>(list);
    expect(letters.map((l) => l.requestId).sort()).toEqual([...poisonIds].sort());
    expect(letters[0]).toMatchObject({
      errorCode: 'SeededFailure',
      reason: 'seeded by the test',
      originalRoutingKey: 'backup-request.received',
    });
    const show = await cli(
      ['dlq', 'show', 'check-allowed', `poison-${poisonIds[0]}`, '--json'],
      env,
    );
    expect(show.code).toBe(0);
    expect(json<{ headers: Record<string, unknown> }>(show).headers).toMatchObject({
      'x-linebacker-error-code': 'SeededFailure',
    });
    expect((await cli(['dlq', 'show', 'check-allowed', 'no-such-id'], env)).code).toBe(3);
  });

  it('replays one dead letter with an audit line, then reports a missing id with exit 3', async () => {
    const auditFile = join(mkdtempSync(join(tmpdir(), 'lb-audit-')), 'audit.log');
    const args = ['dlq', 'replay', 'check-allowed', '--id', `poison-${poisonIds[0]}`];
    const run = await cli(
      [...args, '--operator', 'alice', '--audit-file', auditFile, '--json'],
      env,
    );
    expect(run.code).toBe(0);
    expect(json(run)).toEqual({ replayed: 1, missing: [] });
    const audit = JSON.parse(readFileSync(auditFile, 'utf8').trim()) as Record<string, unknown>;
    expect(audit).toMatchObject({
      audit: 'dlq.replay',
      operator: 'alice',
      subscription: 'check-allowed.backup-request.received',
      replayed: 1,
      at: expect.any(String),
    });
    const stats = json<{ queues: Record<string, { messages: number; deadLetters: number }> }>(
      await cli(['stats', '--json', ...HEALTHY_PROBE_BOUND], env),
    );
    expect(stats.queues['check-allowed.backup-request.received']).toMatchObject({
      messages: 1,
      deadLetters: 1,
    });
    const missing = await cli(['dlq', 'replay', 'check-allowed', '--id', 'gone'], env);
    expect(missing.code).toBe(3);
  });

  it('replays all and purges with --yes, each with an audit line on stderr naming $USER', async () => {
    const all = await cli(['dlq', 'replay', 'check-allowed', '--all'], env);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stderr.trim())).toMatchObject({ operator: 'ops-user', replayed: 1 });
    const purge = await cli(['dlq', 'purge', 'notifier.end-states', '--yes', '--json'], env);
    expect(purge.code).toBe(0);
    expect(json(purge)).toEqual({ purged: 0 });
    expect(JSON.parse(purge.stderr.trim())).toMatchObject({ audit: 'dlq.purge', purged: 0 });
  });

  it('triggers recovery by publishing recovery.requested to the recovery queue', async () => {
    const run = await cli(['recovery', 'run', '--json'], env);
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ published: 'recovery.requested', operator: 'ops-user' });
    const stats = json<{ queues: Record<string, { messages: number }> }>(
      await cli(['stats', '--json', ...HEALTHY_PROBE_BOUND], env),
    );
    expect(stats.queues['recovery.recovery.requested']?.messages).toBe(1);
  });

  it('reports stats: dependencies, queues, outbox backlog and requests by status', async () => {
    const run = await cli(['stats', '--json', ...HEALTHY_PROBE_BOUND], env);
    expect(run.code).toBe(0);
    const stats = json<Record<string, unknown>>(run);
    expect(stats).toMatchObject({
      dependencies: { database: 'up', broker: 'up' },
      requests: { Succeeded: 1, Received: 0 },
      // Seeding wrote four outbox rows and no relay ran.
      outbox: { count: 4 },
    });
    expect(Object.keys(stats['queues'] as object)).toHaveLength(allSubscriptions(config()).length);
    expect((await cli(['stats', ...HEALTHY_PROBE_BOUND], env)).stdout).toMatch(
      /database up {2}broker up/,
    );
  });

  it('exports the topology as RabbitMQ definitions, to stdout or a file', async () => {
    const run = await cli(['topology', 'export'], env);
    expect(run.code).toBe(0);
    const definitions = json<{ queues: Array<{ name: string; arguments: object }> }>(run);
    expect(definitions.queues.map((q) => q.name)).toContain(
      `${namespace}.check-allowed.backup-request.received.dlq`,
    );
    expect(definitions.queues[0]?.arguments).toMatchObject({ 'x-queue-type': 'classic' });
    const out = join(mkdtempSync(join(tmpdir(), 'lb-topology-')), 'definitions.json');
    expect((await cli(['topology', 'export', '--out', out], env)).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(definitions);
  });

  it('exports the broker set-up for per-app users, refusing an interface in linebacker’s vhost', async () => {
    const access = {
      ...env,
      LINEBACKER_INTERFACE_REQUEST_EXCHANGE: 'iface.to-requests',
      LINEBACKER_INTERFACE_REPLY_EXCHANGE: 'iface.to-replies',
    };
    const args = ['topology', 'export', '--access', '--vhost', 'lb'];
    const run = await cli([...args, '--interface-vhost', 'iface'], access);
    expect(run.code).toBe(0);
    const definitions = json<{
      vhosts: Array<{ name: string }>;
      permissions: Array<{ user: string; vhost: string }>;
    }>(run);
    expect(definitions.vhosts).toEqual([{ name: 'lb' }, { name: 'iface' }]);
    expect(definitions.permissions).toContainEqual(
      expect.objectContaining({ user: 'linebacker-check-allowed', vhost: 'lb' }),
    );
    const shared = await cli([...args, '--interface-vhost', 'lb'], access);
    expect(shared.code).toBe(2);
    expect(shared.stderr).toMatch(/must not be linebacker's own/);
  });

  it('applies the whole topology as the operator, so a fresh namespace has every queue', async () => {
    const fresh = { ...env, LINEBACKER_NAMESPACE: `${namespace}-apply` };
    try {
      expect((await cli(['dlq', 'list', 'check-allowed'], fresh)).code).toBe(3);
      const run = await cli(['topology', 'apply', '--json'], fresh);
      expect(run.code).toBe(0);
      expect(json<{ subscriptions: number }>(run).subscriptions).toBe(
        allSubscriptions(config()).length,
      );
      expect((await cli(['dlq', 'list', 'check-allowed'], fresh)).code).toBe(0);
    } finally {
      await deleteBrokerNamespace(broker.url, `${namespace}-apply`);
    }
  });

  it('exits 3 for a namespace whose queues do not exist', async () => {
    const other = { ...env, LINEBACKER_NAMESPACE: `${namespace}-none` };
    const run = await cli(['dlq', 'list', 'check-allowed'], other);
    expect(run.code).toBe(3);
    await deleteBrokerNamespace(broker.url, `${namespace}-none`);
  });

  it('exits 4 quickly when the broker or the database is unreachable', async () => {
    const noBroker = { ...env, LINEBACKER_AMQP_URL: 'amqp://guest:guest@127.0.0.1:9' };
    expect((await cli(['dlq', 'list', 'check-allowed'], noBroker)).code).toBe(4);
    const noDatabase = { ...env, LINEBACKER_DATABASE_URL: 'postgres://postgres@127.0.0.1:9/x' };
    // "Quickly" against the same command with both services up, so that a loaded machine's
    // slow process start-up counts on both sides: the unreachable database may cost the
    // 1 s timeout plus slack, not the driver's own connect timeout. The healthy run may take
    // longer than 1 s to connect on a saturated machine (it once reported the database down,
    // 5 December); its time is what it took, whatever its bound.
    const timed = async (run: () => Promise<Run>) => {
      const started = Date.now();
      return { result: await run(), ms: Date.now() - started };
    };
    const healthy = await timed(() => cli(['stats', '--json', ...HEALTHY_PROBE_BOUND], env));
    expect(healthy.result.code).toBe(0);
    const { result: stats, ms } = await timed(() =>
      cli(['stats', '--json', '--timeout', '1000'], noDatabase),
    );
    expect(ms).toBeLessThan(healthy.ms + 3000);
    expect(stats.code).toBe(4);
    expect(json(stats)).toMatchObject({
      dependencies: { database: 'down', broker: 'up' },
      requests: null,
    });
    expect((await cli(['request', 'show', requestId], noDatabase)).code).toBe(4);
  });

  const config = () => loadConfig(pipelineConfigSchema(0), env);

  /** A request taken to Succeeded by the real use cases on the real repositories. */
  async function seedSucceededRequest(ds: Database): Promise<string> {
    const requests = new PostgresBackupRequestRepository(ds);
    const ids = { newId: () => randomUUID() };
    const clock = systemClock;
    const jobs = new FakeBackupJobService([aBackupJob()]);
    // With a callback URL: only such a request has callback attempts to show.
    const accepted = await receiveBackupRequest(
      { requests, ids, clock },
      aNewRequest({ callbackUrl: 'https://hooks.example.com/linebacker' }),
    );
    const id = accepted.request.backupRequestId;
    const step = { requests, clock };
    await checkAllowed(
      { ...step, jobs, service: 'check-allowed' },
      { backupRequestId: id, messageId: 'msg-allowed' },
    );
    await sendToInterface(
      {
        ...step,
        backupInterface: new RecordingBackupInterface(),
        ids,
        service: 'send-to-interface',
        sendClaimTtlMs: 60_000,
      },
      { backupRequestId: id, messageId: 'msg-sent' },
    );
    await receiveStatus(
      { ...step, jobs, ids, service: 'receive-status' },
      { reply: aStoreStatusReply(id), messageId: 'msg-reply' },
    );
    expect(await new PostgresBackupRepository(ds).findByRequestId(id)).not.toBeNull();
    return id;
  }

  /** Every queue declared; two messages dead-lettered by a handler that always fails. */
  async function seedDeadLetters(
    environment: Record<string, string>,
    requestIds: string[],
  ): Promise<AmqpMessageBus> {
    const settings = loadConfig(pipelineConfigSchema(0), environment);
    const seeder = new AmqpMessageBus({
      url: settings.amqpUrl,
      namespace: settings.namespace,
      queueType: settings.queueType,
      payloadSchemas: PAYLOAD_SCHEMAS,
    });
    await seeder.start();
    const subscriptions = allSubscriptions(settings);
    await seeder.declare(subscriptions);
    const [checkAllowedQueue] = subscriptions;
    if (!checkAllowedQueue) throw new Error('no subscriptions');
    await seeder.subscribe(checkAllowedQueue, async () => {
      throw new PermanentError('SeededFailure', 'seeded by the test');
    });
    for (const backupRequestId of requestIds)
      await seeder.publish({
        messageId: `poison-${backupRequestId}`,
        type: 'backup-request.received',
        correlationId: backupRequestId,
        payload: { backupRequestId },
      });
    await waitFor(
      async () => (await seeder.deadLetters.depth(checkAllowedQueue)) >= requestIds.length,
      'the seeded messages to be dead-lettered',
      10_000,
      50,
    );
    // The seeder stops consuming, so replayed messages stay in the queue for the checks.
    await seeder.stop(1000);
    return seeder;
  }
});
