import { createLogger, createServiceMetrics, loadConfig } from '@linebacker/runtime';
import { openDatabase, persistenceConfig, runMigrations } from '@linebacker/persistence';
import {
  capturedLines,
  createTestDatabase,
  deleteBrokerNamespace,
  rabbitmqForTests,
  testNamespace,
  type TestService,
  waitFor,
  retentionRowCounts,
  seedRequests,
} from '@linebacker/testing';
import { recoveryAppConfigSchema } from '../config/app-config-schemas';
import { startPipelineService, type StartedPipelineService } from '../run-pipeline-service';
import { recoveryWorker } from './recovery.worker';
import { SERVICES } from './subscriptions';

jest.setTimeout(60_000);

describe('the recovery app on a retention schedule', () => {
  let database: TestService;
  let broker: TestService;
  let namespace: string;
  let recovery: StartedPipelineService | undefined;

  beforeAll(async () => {
    [database, broker] = await Promise.all([createTestDatabase('retsched'), rabbitmqForTests()]);
    namespace = testNamespace('retsched');
  });
  afterAll(async () => {
    await recovery?.stop(1000);
    await deleteBrokerNamespace(broker.url, namespace);
    await database?.stop();
    await broker?.stop();
  });

  it('runs retention every interval, counting the rows and logging a summary', async () => {
    const seeder = await openDatabase(persistenceConfig(database.url, { poolSize: 1 }));
    try {
      await runMigrations(seeder);
      await seedRequests(seeder, { count: 30, status: 'Succeeded', endedDaysAgo: 100 });
      await seedRequests(seeder, { count: 5, status: 'Allowed', endedDaysAgo: 100 });
    } finally {
      await seeder.close();
    }
    const config = loadConfig(recoveryAppConfigSchema, {
      LINEBACKER_DATABASE_URL: database.url,
      LINEBACKER_AMQP_URL: broker.url,
      LINEBACKER_NAMESPACE: namespace,
      LINEBACKER_QUEUE_TYPE: 'classic',
      LINEBACKER_RETENTION_INTERVAL_MS: '1000',
      LINEBACKER_RETENTION_BATCH_SIZE: '10',
    });
    const log = capturedLines();
    const metrics = createServiceMetrics(SERVICES.recovery);
    recovery = await startPipelineService({
      service: SERVICES.recovery,
      config,
      logger: createLogger({ service: SERVICES.recovery, stream: log.stream }),
      metrics,
      healthServer: false,
      worker: (ctx, infrastructure) =>
        recoveryWorker(ctx, config, { store: infrastructure.retention, settings: config }),
    });
    const runs = () => log.lines.filter((line) => line['message'] === 'retention run');
    // Start-up leaves retention to the schedule: nothing is removed before the first tick.
    expect(runs()).toEqual([]);

    await waitFor(() => runs().length >= 2, 'two scheduled retention runs', 10_000, 50);

    expect(runs()[0]).toMatchObject({
      level: 'info',
      requests: 30,
      statusHistory: 60,
      // One each for Backups and keys; 30 requests by 10, and the short one that ends it.
      batches: 6,
      complete: true,
      outcome: 'swept',
    });
    expect(runs()[1]).toMatchObject({ requests: 0, batches: 3 });
    const counts = await new Promise<Record<string, number>>((resolve, reject) => {
      openDatabase(persistenceConfig(database.url, { poolSize: 1 })).then(
        (ds) =>
          retentionRowCounts(ds)
            .then(resolve, reject)
            .finally(() => void ds.close()),
        reject,
      );
    });
    expect(counts).toMatchObject({ requests: 5, history: 10 });
    const removed = await metrics.registry
      .getSingleMetric('linebacker_retention_rows_total')
      ?.get();
    expect(removed?.values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { kind: 'request' }, value: 30 }),
        expect.objectContaining({ labels: { kind: 'status_history' }, value: 60 }),
      ]),
    );
    const batches = await metrics.registry
      .getSingleMetric('linebacker_retention_batch_duration_seconds')
      ?.get();
    const requestBatches = batches?.values.find(
      (v) =>
        (v as { metricName?: string }).metricName?.endsWith('_count') &&
        v.labels['sweep'] === 'requests',
    );
    expect(requestBatches?.value).toBeGreaterThanOrEqual(5);
  });
});
