import {
  createTestDatabase,
  deleteBrokerNamespace,
  listeningAddress,
  PIPELINE_WORKER_APPS,
  pipelineProcessStack,
  rabbitmqForTests,
  startPipeline,
  testNamespace,
  WORKSPACE_ROOT,
  type ProcessStack,
  type TestService,
} from '@linebacker/testing';
import {
  alertRules,
  dashboard,
  dashboardQueries,
  exportedSeriesNames,
  promqlMetricNames,
  SCRAPE_SERIES,
} from './observability-files';

/** Each running app's `/metrics`: the receiver's on its operator listener, workers' on their health port. */
async function scrapeAll(stack: ProcessStack): Promise<Map<string, string>> {
  const expositions = new Map<string, string>();
  for (const process of stack.running()) {
    if (process.app.startsWith('sim-')) continue;
    const port = process.handle.lines.find((l) => l['message'] === 'health port listening')?.[
      'port'
    ];
    const base =
      port === undefined
        ? listeningAddress(process, 'operatorAddress')
        : `http://127.0.0.1:${String(port)}`;
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expositions.set(process.app, await response.text());
  }
  return expositions;
}

describe('the shipped alert rules and dashboard against the apps’ real /metrics', () => {
  const namespace = testNamespace('observability');
  let database: TestService;
  let broker: TestService;
  let stack: ProcessStack | undefined;
  let exported: Set<string>;
  let scraped: Map<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase('observability');
    broker = await rabbitmqForTests();
    stack = pipelineProcessStack({
      databaseUrl: database.url,
      amqpUrl: broker.url,
      namespace,
      // Classic queues: this reads metric names, and quorum queues are slow to create.
      env: { LINEBACKER_QUEUE_TYPE: 'classic' },
    });
    await startPipeline(stack);
    scraped = await scrapeAll(stack);
    exported = new Set([...scraped.values()].flatMap((text) => [...exportedSeriesNames(text)]));
  }, 180_000);

  afterAll(async () => {
    try {
      await stack?.stopAll(5_000);
    } finally {
      await deleteBrokerNamespace(broker.url, namespace).catch(() => undefined);
      await database?.stop();
      await broker?.stop();
    }
  }, 60_000);

  it('scrapes every app of the pipeline', () => {
    expect([...scraped.keys()].sort()).toEqual(['http-receiver', ...PIPELINE_WORKER_APPS].sort());
  });

  it('names in its alert rules only metrics the apps export', () => {
    const unknown = alertRules(WORKSPACE_ROOT).flatMap(({ rule }) =>
      promqlMetricNames(String(rule.expr))
        .filter((name) => !exported.has(name) && !SCRAPE_SERIES.includes(name))
        .map((name) => `${String(rule.alert)}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('names in its dashboard panels only metrics the apps export', () => {
    const unknown = dashboardQueries(dashboard(WORKSPACE_ROOT)).flatMap(({ panel, expr }) =>
      promqlMetricNames(expr)
        .filter((name) => !exported.has(name) && !SCRAPE_SERIES.includes(name))
        .map((name) => `${panel}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });
});
