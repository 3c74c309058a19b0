import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import type { BackupJob } from '@linebacker/domain';
import {
  createTestDatabase,
  JOBS_FIXTURE,
  namespaceQueueDepths,
  outboxBacklog,
  outcomeViolations,
  PIPELINE_WORKER_APPS,
  pipelineProcessStack,
  pollUntil,
  rabbitmqForTests,
  startPipeline,
  unfinishedCount,
  type AcceptedRequest,
  type ProcessStack,
  type TestService,
} from '@linebacker/testing';
import { provisionBroker, type ProvisionedBroker } from './provisioned-broker';

const REQUESTS = 36;
const JOBS = JSON.parse(readFileSync(JOBS_FIXTURE, 'utf8')) as BackupJob[];

/** Each app's own user: its URL names user and vhost, the password comes from its file. */
function perAppEnv(broker: ProvisionedBroker): Record<string, Record<string, string>> {
  const own = (user: string, vhost: string, prefix: 'AMQP' | 'INTERFACE_AMQP') => ({
    [`LINEBACKER_${prefix}_URL`]: broker.bareUrl(user, vhost),
    [`LINEBACKER_${prefix}_PASSWORD_FILE`]: broker.passwordFile(user),
  });
  const env: Record<string, Record<string, string>> = {};
  for (const app of ['http-receiver', ...PIPELINE_WORKER_APPS])
    env[app] = own(broker.user(app), broker.vhost, 'AMQP');
  for (const app of ['send-to-interface', 'interface-receiver'])
    env[app] = { ...env[app], ...own(broker.user(app), broker.interfaceVhost, 'INTERFACE_AMQP') };
  const simulator = broker.user('backup-interface');
  env['sim-backup-interface'] = own(simulator, broker.interfaceVhost, 'INTERFACE_AMQP');
  return env;
}

async function post(receiverUrl: string, i: number): Promise<AcceptedRequest> {
  // A mix of active, inactive and unknown jobs, so every terminal status shows up.
  const backupJobId = i % 6 === 5 ? `job-unknown-${i}` : (JOBS[i % JOBS.length]?.backupJobId ?? '');
  const response = await fetch(`${receiverUrl}/api/backup-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: '2022-05-22',
      backupJobId,
      dataDate: '2024-02-29',
      backupDataLocation: `/prepared/least-privilege/${i}`,
    }),
  });
  expect(response.status).toBe(202);
  const body = (await response.json()) as { backupRequestId: string };
  return { backupRequestId: body.backupRequestId, backupJobId };
}

describe('the pipeline with every app on its own restricted RabbitMQ user', () => {
  let rabbit: TestService;
  let database: TestService;
  let broker: ProvisionedBroker;
  let db: Client;
  let stack: ProcessStack | undefined;

  beforeAll(async () => {
    rabbit = await rabbitmqForTests();
    database = await createTestDatabase('leastpriv');
    db = new Client({ connectionString: database.url });
    await db.connect();
    broker = await provisionBroker(rabbit.url, 'leastpriv');
  }, 240_000);

  afterAll(async () => {
    try {
      await stack?.stopAll(5_000);
    } finally {
      await db?.end().catch(() => undefined);
      await broker?.remove();
      await database?.stop();
      await rabbit?.stop();
    }
  }, 120_000);

  it('takes a few dozen requests to legal end states with nothing left in any queue', async () => {
    stack = pipelineProcessStack({
      databaseUrl: database.url,
      // Nobody's: an app left without its own user would fail to start, not run as admin.
      amqpUrl: broker.bareUrl('nobody', broker.vhost),
      namespace: broker.namespace,
      env: {
        ...broker.env,
        LINEBACKER_SIM_REPLY_DELAY_MS: '20',
        LINEBACKER_SIM_FAILED_SHARE: '0.2',
      },
      appEnv: perAppEnv(broker),
    });
    const endpoints = await startPipeline(stack);
    const accepted = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => post(endpoints.receiverUrl, i)),
    );
    const ids = accepted.map((r) => r.backupRequestId);
    expect(await pollUntil(async () => (await unfinishedCount(db, ids)) === 0, 60_000)).toBe(true);

    const { problems, summary } = await outcomeViolations(db, accepted, JOBS);
    expect(problems).toEqual([]);
    expect(summary.NotAllowed).toBeGreaterThan(0);
    expect(summary.Succeeded).toBeGreaterThan(0);
    expect(await pollUntil(async () => (await outboxBacklog(db)) === 0, 10_000)).toBe(true);
    const depths = () => namespaceQueueDepths(broker.namespace, broker.vhost);
    const settled = await pollUntil(
      async () => Object.values(await depths()).every((n) => n === 0),
      10_000,
    );
    expect({ settled, depths: await depths() }).toMatchObject({ settled: true });

    // The receiver reads every queue's counters by passive declares, which need no permission.
    const health = (await (
      await fetch(`${endpoints.receiverOperatorUrl}/api/zpages/healthz`)
    ).json()) as {
      dependencies: { broker: string };
      queues: Record<string, { error?: string }>;
    };
    expect(health.dependencies.broker).toBe('up');
    expect(Object.values(health.queues).filter((queue) => queue.error)).toEqual([]);

    expect(stack.linesAt('error')).toEqual([]);
    expect(stack.unexpectedExits()).toEqual([]);
  }, 240_000);
});
