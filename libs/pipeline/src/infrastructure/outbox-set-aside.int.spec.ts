import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { EVENT_TYPES } from '@linebacker/domain';
import { createLogger, createServiceMetrics, loadConfig } from '@linebacker/runtime';
import {
  createTestDatabase,
  deleteBrokerNamespace,
  metricSum,
  rabbitmqForTests,
  testNamespace,
  type TestService,
  waitFor,
} from '@linebacker/testing';
import { pipelineConfigSchema } from '../config/pipeline.config';
import { startPipelineService, type StartedPipelineService } from '../run-pipeline-service';
import { SERVICES } from '../workers/subscriptions';

jest.setTimeout(60_000);

describe("a service's outbox relay, given a row it cannot publish (ADR 0413)", () => {
  let database: TestService;
  let broker: TestService;
  let namespace: string;
  let service: StartedPipelineService;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    database = await createTestDatabase('setaside');
    broker = await rabbitmqForTests();
    namespace = testNamespace('setaside');
    const config = loadConfig(pipelineConfigSchema(0), {
      LINEBACKER_DATABASE_URL: database.url,
      LINEBACKER_AMQP_URL: broker.url,
      LINEBACKER_NAMESPACE: namespace,
      LINEBACKER_QUEUE_TYPE: 'classic',
      LINEBACKER_RUN_MIGRATIONS: 'true',
      LINEBACKER_OUTBOX_POLL_INTERVAL_MS: '200',
    });
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => logLines.push(JSON.parse(line) as Record<string, unknown>)),
    );
    service = await startPipelineService({
      service: SERVICES.notifier,
      config,
      logger: createLogger({ service: SERVICES.notifier, stream }),
      metrics: createServiceMetrics(SERVICES.notifier),
      healthServer: false,
      worker: () => ({ subscriptions: [] }),
    });
  });

  afterAll(async () => {
    await service?.stop(1000);
    await deleteBrokerNamespace(broker.url, namespace);
    await database?.stop();
    await broker?.stop();
  });

  it('sweeps past it, logs it, counts it, and leaves it in the outbox', async () => {
    const { database: db } = service.infrastructure;
    // Two rows of a process that died a minute ago (lane 0): its payload fails the schema.
    const insert = (messageId: string, backupRequestId: string) =>
      db.query(
        `INSERT INTO outbox (message_id, type, correlation_id, causation_id, occurred_at, payload, created_at)
         VALUES ($1, $2, 'corr', NULL, now(), $3::jsonb, now() - interval '1 minute')`,
        [messageId, EVENT_TYPES.received, JSON.stringify({ backupRequestId })],
      );
    const bad = `bad-${randomUUID()}`;
    const good = `good-${randomUUID()}`;
    await insert(bad, 'not-a-uuid');
    await insert(good, randomUUID());

    const left = async () =>
      (await db.query<{ message_id: string }>('SELECT message_id FROM outbox')).map(
        (row) => row.message_id,
      );
    await waitFor(async () => (await left()).length === 1, 'the good row published');
    expect(await left()).toEqual([bad]);

    const line = logLines.find(
      (l) => l['message'] === 'outbox row set aside: it cannot be published',
    );
    expect(line).toMatchObject({
      level: 'error',
      messageId: bad,
      type: EVENT_TYPES.received,
      retryInMs: 60_000,
      error: expect.stringContaining('InvalidMessage'),
    });
    const metrics = await service.ctx.metrics.registry.metrics();
    expect(
      metricSum(metrics, 'linebacker_outbox_rows_set_aside_total', { type: EVENT_TYPES.received }),
    ).toBe(1);
  });
});
