import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '@linebacker/domain';
import { capturedLines, metricSum, waitFor } from '@linebacker/testing';
import type { StartedPipelineService } from '../run-pipeline-service';
import {
  openServiceTestEnvironment,
  type ServiceTestEnvironment,
} from '../testing/service-test-environment';
import { SERVICES } from '../workers/subscriptions';

jest.setTimeout(60_000);

describe("a service's outbox relay, given a row it cannot publish (ADR 0413)", () => {
  let environment: ServiceTestEnvironment;
  let service: StartedPipelineService;
  const log = capturedLines();

  beforeAll(async () => {
    environment = await openServiceTestEnvironment('setaside', {
      LINEBACKER_OUTBOX_POLL_INTERVAL_MS: '200',
    });
    service = await environment.start(SERVICES.notifier, () => ({ subscriptions: [] }), log.stream);
  });

  afterAll(() => environment?.close());

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

    const line = log.lines.find(
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
