import { randomUUID } from 'node:crypto';
import {
  pipelineProcessStack,
  pollUntil,
  startPipeline,
  type ProcessStack,
} from '@linebacker/testing';
import { closeE2eEnvironment, openE2eEnvironment, type E2eEnvironment } from './e2e-environment';

/** Every service a successful request passes through. */
const JOURNEY = [
  'http-receiver',
  'check-allowed',
  'send-to-interface',
  'interface-receiver',
  'receive-status',
  'notifier',
];

describe('one correlation id from the HTTP request through every message hop', () => {
  let env: E2eEnvironment;
  let stack: ProcessStack | undefined;

  beforeAll(async () => (env = await openE2eEnvironment('corr')), 30_000);
  afterAll(() => closeE2eEnvironment(env, stack), 60_000);

  it("logs the caller's X-Request-Id in every service that handled the request, at debug", async () => {
    stack = pipelineProcessStack({
      databaseUrl: env.database.url,
      amqpUrl: env.broker.url,
      namespace: env.namespace,
      // At debug every service logs each message it handled; at info only the receiver's
      // access line, the end state and anything that did not go as planned (ADR 0010).
      env: {
        LINEBACKER_QUEUE_TYPE: 'classic',
        LINEBACKER_SIM_FAILED_SHARE: '0',
        LINEBACKER_LOG_LEVEL: 'debug',
      },
    });
    const { receiverUrl } = await startPipeline(stack);
    const correlationId = `trace-${randomUUID()}`;
    const response = await fetch(`${receiverUrl}/api/backup-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': correlationId },
      body: JSON.stringify({
        apiVersion: '2022-05-22',
        backupJobId: 'job-active-local',
        dataDate: '2024-02-29',
        backupDataLocation: '/prepared/trace',
      }),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);
    const { backupRequestId } = (await response.json()) as { backupRequestId: string };

    const running = stack;
    const notified = () =>
      running.linesOf(
        'notifier',
        (l) => l['requestId'] === backupRequestId && l['message'] === 'backup request ended',
      ).length > 0;
    expect(await pollUntil(async () => notified(), 30_000)).toBe(true);
    const view = await (
      await fetch(`${receiverUrl}/api/backup-requests/${backupRequestId}`)
    ).json();
    expect(view).toMatchObject({ statusTypeCode: 'Succeeded' });

    // `grep <correlation id>` finds the request in every service on its way...
    const silent = JOURNEY.filter(
      (app) => running.linesOf(app, (l) => l['correlationId'] === correlationId).length === 0,
    );
    expect(silent).toEqual([]);
    // ...and no line about the request carries any other correlation id.
    const about = JOURNEY.flatMap((app) =>
      running.linesOf(app, (l) => l['requestId'] === backupRequestId),
    );
    expect(about.length).toBeGreaterThanOrEqual(JOURNEY.length - 1);
    expect(about.filter((l) => l['correlationId'] !== correlationId)).toEqual([]);
  }, 120_000);
});
