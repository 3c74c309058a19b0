import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { CallbackPolicy } from '@linebacker/callbacks';
import { startCallbackReceiver, type CallbackReceiver } from '@linebacker/callbacks/testing';
import { checkAllowed, receiveBackupRequest, receiveStatus } from '@linebacker/domain';
import {
  aBackupJob,
  aNewRequest,
  aStoreStatusReply,
  FakeBackupJobService,
} from '@linebacker/domain/testing';
import { buildReceiverApp } from '@linebacker/http-api';
import { createLogger, createServiceMetrics, loadConfig } from '@linebacker/runtime';
import {
  bundlePath,
  createTestDatabase,
  deleteBrokerNamespace,
  rabbitmqForTests,
  testNamespace,
  waitFor,
  type TestService,
} from '@linebacker/testing';
import { notifierConfigSchema } from '../config/app-config-schemas';
import { receiverConfigSchema } from '../http/receiver-config';
import { startPipelineService, type StartedPipelineService } from '../run-pipeline-service';
import { endStateNotifier, notifierWorker } from './notifier.worker';
import { pipelineSubscriptions, SERVICES } from './subscriptions';

jest.setTimeout(90_000);

const KEYS = [
  { kid: '2026-12', secret: 'a-secret-of-at-least-32-characters!' },
  { kid: '2026-06', secret: 'the-previous-secret-still-listed-here' },
];

describe('end-state callbacks to a real receiver', () => {
  let database: TestService;
  let broker: TestService;
  let namespace: string;
  let env: Record<string, string>;
  let notifier: StartedPipelineService;
  const receivers: CallbackReceiver[] = [];
  const jobs = new FakeBackupJobService([aBackupJob()]);

  beforeAll(async () => {
    database = await createTestDatabase('callbacks');
    broker = await rabbitmqForTests();
    namespace = testNamespace('callbacks');
    env = {
      LINEBACKER_DATABASE_URL: database.url,
      LINEBACKER_AMQP_URL: broker.url,
      LINEBACKER_NAMESPACE: namespace,
      LINEBACKER_QUEUE_TYPE: 'classic',
      LINEBACKER_RETRY_MAX_ATTEMPTS: '3',
      LINEBACKER_RETRY_INITIAL_DELAY_MS: '200',
      LINEBACKER_RETRY_MAX_DELAY_MS: '400',
      LINEBACKER_CALLBACK_CLIENTS: JSON.stringify([
        { requesterId: 'team-a', allowedHosts: ['127.0.0.1', 'localhost'] },
      ]),
      LINEBACKER_CALLBACK_SECRETS: JSON.stringify({ 'team-a': KEYS }),
      LINEBACKER_CALLBACK_ALLOW_HTTP: 'true',
      LINEBACKER_CALLBACK_ALLOW_PRIVATE_ADDRESSES: 'true',
      LINEBACKER_CALLBACK_TIMEOUT_MS: '500',
    };
    const config = loadConfig(notifierConfigSchema, {
      ...env,
      LINEBACKER_RUN_MIGRATIONS: 'true',
      LINEBACKER_HEALTH_PORT: '0',
    });
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    notifier = await startPipelineService({
      service: SERVICES.notifier,
      config,
      logger: createLogger({ service: SERVICES.notifier, stream: quiet }),
      metrics: createServiceMetrics(SERVICES.notifier),
      healthServer: false,
      worker: (ctx) => notifierWorker(ctx, endStateNotifier(ctx, config)),
    });
  });

  afterAll(async () => {
    for (const receiver of receivers) await receiver.close().catch(() => undefined);
    await notifier?.stop(1000);
    if (broker) await deleteBrokerNamespace(broker.url, namespace);
    await database?.stop();
    await broker?.stop();
  });

  const receiver = async (...args: Parameters<typeof startCallbackReceiver>) => {
    const started = await startCallbackReceiver(...args);
    receivers.push(started);
    return started;
  };

  /** A request with a callback taken to Succeeded (with its Backup) or NotAllowed. */
  async function endedRequest(callbackUrl: string, end: 'Succeeded' | 'NotAllowed') {
    const { requests, ids, clock } = notifier.ctx;
    const { request } = await receiveBackupRequest(
      { requests, ids, clock },
      aNewRequest({
        requesterId: 'team-a',
        callbackUrl,
        backupJobId: end === 'Succeeded' ? 'job-1' : 'gone',
      }),
    );
    const id = request.backupRequestId;
    const service = 'test';
    await checkAllowed(
      { requests, jobs, clock, service },
      { backupRequestId: id, messageId: 'm1' },
    );
    if (end === 'Succeeded')
      await receiveStatus(
        { requests, jobs, ids, clock, service },
        { reply: aStoreStatusReply(id), messageId: 'm2' },
      );
    return id;
  }

  const deadLetters = () =>
    notifier.infrastructure.bus.deadLetters.list(
      pipelineSubscriptions(notifier.ctx.config).notifier,
      10,
    );

  it('delivers a signed callback with the end state and the Backup, first time', async () => {
    const hook = await receiver([...KEYS].reverse());
    const id = await endedRequest(hook.url, 'Succeeded');
    await waitFor(() => hook.received.length === 1, 'the callback', 20_000, 50);
    const [callback] = hook.received;
    expect(callback).toMatchObject({
      eventId: `${id}:Succeeded`,
      signature: 'ok',
      duplicate: false,
    });
    expect(callback?.body).toMatchObject({
      apiVersion: '2026-12-05',
      eventId: `${id}:Succeeded`,
      backupRequestId: id,
      backupJobId: 'job-1',
      status: 'Succeeded',
      reason: null,
      backup: {
        backupByteCount: '1048576',
        verifyHashText: 'sha256:0f1e2d',
        backupProviderCode: 'Local',
      },
    });
    expect(callback?.body['occurredAt']).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    // The receiver has the body before the notifier has read the answer and counted it.
    const delivered =
      /linebacker_callback_attempts_total\{outcome="delivered",service="notifier"\} [1-9]/;
    const metrics = () => notifier.ctx.metrics.registry.metrics();
    await waitFor(async () => delivered.test(await metrics()), 'the attempt counted', 5000, 50);
  });

  it('retries after a 500 and delivers once, under the same event id', async () => {
    // 204 on the retry: the attempt log keeps the status the receiver gave.
    const hook = await receiver(KEYS, { answers: [500, 204] });
    const id = await endedRequest(hook.url, 'NotAllowed');
    await waitFor(() => hook.received.length === 2, 'the retried callback', 20_000, 50);
    expect(hook.received.map((c) => c.eventId)).toEqual([`${id}:NotAllowed`, `${id}:NotAllowed`]);
    expect(hook.received.every((c) => c.signature === 'ok')).toBe(true);
    expect(hook.received[1]?.body).toMatchObject({
      status: 'NotAllowed',
      reason: 'the backup job is unknown or not active',
      backup: null,
    });
    expect([...hook.processed]).toEqual([`${id}:NotAllowed`]);
    // Each attempt is kept for the request's view.
    const attempts = () => notifier.ctx.callbackAttempts.forRequest(id);
    await waitFor(async () => (await attempts()).length === 2, 'both attempts recorded', 5000, 50);
    expect((await attempts()).map((a) => [a.eventId, a.outcome, a.statusCode])).toEqual([
      [`${id}:NotAllowed`, 'failed', 500],
      [`${id}:NotAllowed`, 'delivered', 204],
    ]);
    // Delivered once: the 204 was recorded after it was read, and no POST came after it.
    expect(hook.received).toHaveLength(2);
    const metrics = await notifier.ctx.metrics.registry.metrics();
    expect(metrics).toMatch(
      /linebacker_callback_attempts_total\{outcome="failed",service="notifier"\} [1-9]/,
    );
  });

  it('retries a receiver that does not answer in time; the retry is its duplicate', async () => {
    const hook = await receiver(KEYS, { answers: ['hang'] });
    const id = await endedRequest(hook.url, 'NotAllowed');
    await waitFor(() => hook.received.length === 2, 'the retry after the timeout', 20_000, 50);
    expect(hook.received.map((c) => [c.eventId, c.duplicate])).toEqual([
      [`${id}:NotAllowed`, false],
      [`${id}:NotAllowed`, true],
    ]);
  });

  it('dead-letters with the reason when the receiver stays down, and replays after it is back', async () => {
    const first = await receiver(KEYS, { answers: ['hang'] });
    const id = await endedRequest(first.url, 'NotAllowed');
    await waitFor(() => first.received.length === 1, 'the first attempt', 20_000, 50);
    await first.close();
    await waitFor(async () => (await deadLetters()).length === 1, 'the dead letter', 30_000, 100);
    const [letter] = await deadLetters();
    expect(letter).toMatchObject({ errorCode: 'CallbackFailed' });
    expect(letter?.reason).toMatch(new RegExp(`receiver 127.0.0.1:${first.port}: ECONNREFUSED`));
    expect(letter?.envelope?.payload).toEqual({ backupRequestId: id });

    const back = await receiver(KEYS, { port: first.port, processed: first.processed });
    // The operator's command, as a process: `linebacker dlq replay`.
    const replay = await promisify(execFile)(
      process.execPath,
      [bundlePath('cli'), 'dlq', 'replay', 'notifier.end-states', '--all', '--json'],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          LINEBACKER_AMQP_URL: broker.url,
          LINEBACKER_NAMESPACE: namespace,
          LINEBACKER_QUEUE_TYPE: 'classic',
          USER: 'ops-test',
        },
      },
    );
    expect(JSON.parse(replay.stdout)).toMatchObject({ replayed: 1 });
    await waitFor(() => back.received.length === 1, 'the replayed callback', 20_000, 50);
    expect(back.received[0]).toMatchObject({
      eventId: `${id}:NotAllowed`,
      signature: 'ok',
      duplicate: true,
    });
    await waitFor(
      async () =>
        (await notifier.ctx.callbackAttempts.forRequest(id)).at(-1)?.outcome === 'delivered',
      'the replayed attempt recorded',
      5000,
      50,
    );
    const outcomes = (await notifier.ctx.callbackAttempts.forRequest(id)).map((a) => a.reason);
    expect(outcomes).toEqual([
      // The receiver went down while the first attempt waited for its answer.
      expect.stringMatching(/ECONNRESET|no answer within 500 ms/),
      expect.stringMatching(/ECONNREFUSED/),
      expect.stringMatching(/ECONNREFUSED/),
      null,
    ]);
    expect(await deadLetters()).toHaveLength(0);
  });

  describe('at intake', () => {
    const intake = async (overrides: Record<string, string>) => {
      const settings = loadConfig(receiverConfigSchema, { ...env, ...overrides });
      const { requests, backups, ids, clock } = notifier.ctx;
      return buildReceiverApp({
        requests,
        backups,
        ids,
        clock,
        authenticate: async () => ({
          requesterId: 'team-a',
          scopes: ['post-backup-request'],
          jobs: '*',
          locationPrefixes: '*',
        }),
        callbackTargets: new CallbackPolicy(settings),
        dataDateWindow: { maxAgeDays: 36500, maxAheadDays: 36500 },
        ready: async () => true,
        metrics: createServiceMetrics(SERVICES.httpReceiver),
        logger: notifier.ctx.logger,
        limits: {
          bodyLimitBytes: 4096,
          requestTimeoutMs: 5000,
          headersTimeoutMs: 5000,
          keepAliveTimeoutMs: 5000,
          maxConnections: 10,
          rateLimitPerMinute: 0,
          trustProxy: 'false',
        },
      });
    };
    const submit = (app: Awaited<ReturnType<typeof intake>>, callbackUrl: string) =>
      app.inject({
        method: 'POST',
        url: '/api/backup-requests',
        headers: { authorization: 'Bearer x' },
        payload: {
          apiVersion: '2026-12-05',
          backupJobId: 'job-1',
          dataDate: '2024-03-15',
          backupDataLocation: '/prepared/job-1',
          callbackUrl,
        },
      });

    it('refuses a host outside the allow-list with 400 and stores nothing', async () => {
      const app = await intake({});
      const before = await notifier.ctx.requests.countByStatus();
      const response = await submit(app, 'http://evil.example.com/hook');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        code: 'CallbackNotAllowed',
        message: 'callbackUrl host evil.example.com is not allowed for team-a',
      });
      expect(await notifier.ctx.requests.countByStatus()).toEqual(before);
      await app.close();
    });

    it('refuses a loopback address unless private addresses are allowed', async () => {
      const strict = await intake({ LINEBACKER_CALLBACK_ALLOW_PRIVATE_ADDRESSES: 'false' });
      const refused = await submit(strict, 'http://localhost:9/hook');
      expect(refused.statusCode).toBe(400);
      expect(refused.json().message).toMatch(
        /^callbackUrl host localhost resolves to the non-public address (127\.0\.0\.1|::1)$/,
      );
      await strict.close();
      const local = await intake({});
      const accepted = await submit(local, 'http://localhost:9/hook');
      expect(accepted.statusCode).toBe(202);
      const stored = await notifier.ctx.requests.findById(accepted.json().backupRequestId);
      expect(stored?.callbackUrl).toBe('http://localhost:9/hook');
      await local.close();
    });
  });
});
