import {
  namespaceQueueDepths,
  pipelineProcessStack,
  startPipeline,
  type PipelineEndpoints,
  type ProcessStack,
} from '@linebacker/testing';
import { closeE2eEnvironment, openE2eEnvironment, type E2eEnvironment } from './e2e-environment';
import {
  expectNothingWithin,
  outboxBacklog,
  outcomeViolations,
  unfinishedCount,
} from '@linebacker/testing';
import { interfaceStats, nonEmpty, purgeQueue, settledQueueDepths } from './stack-checks';
import {
  acceptedRequests,
  FIXTURE_JOBS,
  pollUntil,
  postAll,
  requestMix,
  type AcceptedRequest,
} from './traffic';

describe('a request survives a worker crash', () => {
  let env: E2eEnvironment;
  let stack: ProcessStack;
  let endpoints: PipelineEndpoints;
  const everyRequest: AcceptedRequest[] = [];

  const post = async (count: number, label: string): Promise<AcceptedRequest[]> => {
    const results = await postAll(endpoints.receiverUrl, requestMix(count, label), 10);
    expect(results.filter((r) => r.status !== 202)).toEqual([]);
    const accepted = acceptedRequests(results);
    everyRequest.push(...accepted);
    return accepted;
  };
  const statusCount = async (ids: readonly string[], status: string): Promise<number> => {
    const { rows } = await env.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM backup_request
        WHERE backup_request_id = ANY($1::uuid[]) AND status_type_code = $2`,
      [ids, status],
    );
    return rows[0]?.n ?? -1;
  };
  const jobServiceFault = (fault: Record<string, unknown>) =>
    fetch(`${endpoints.jobServiceUrl}/admin/fault`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
  const jobLookups = async () =>
    ((await (await fetch(`${endpoints.jobServiceUrl}/admin/stats`)).json()) as { lookups: number })
      .lookups;
  const expectAllEndLegally = async (accepted: readonly AcceptedRequest[]) => {
    const ids = accepted.map((r) => r.backupRequestId);
    await pollUntil(async () => (await unfinishedCount(env.db, ids)) === 0, 60_000, 500);
    expect(await unfinishedCount(env.db, ids)).toBe(0);
    expect((await outcomeViolations(env.db, accepted, FIXTURE_JOBS)).problems).toEqual([]);
  };

  beforeAll(async () => {
    env = await openE2eEnvironment('e2ecrash');
    stack = pipelineProcessStack({
      databaseUrl: env.database.url,
      amqpUrl: env.broker.url,
      namespace: env.namespace,
      env: {
        LINEBACKER_SIM_REPLY_DELAY_MS: '20',
        LINEBACKER_SIM_FAILED_SHARE: '0.2',
        // A slowed job service must hold deliveries in flight, not time them out into retries.
        LINEBACKER_JOB_SERVICE_TIMEOUT_MS: '20000',
        // No periodic sweep during the test: only redelivery, or recovery's start-up round,
        // can move what these tests strand.
        LINEBACKER_RECOVERY_STALE_AFTER_MS: '600000',
        LINEBACKER_RECOVERY_SWEEP_INTERVAL_MS: '600000',
      },
    });
    endpoints = await startPipeline(stack);
  }, 90_000);

  // Runs whether the tests passed or not.
  afterAll(() => closeE2eEnvironment(env, stack), 60_000);

  it('redelivers what a SIGKILLed check-allowed held, so its requests still end', async () => {
    // Far longer than it takes to post and kill: no lookup can finish before the kill.
    await jobServiceFault({ mode: 'slow', delayMs: 15_000 });
    const accepted = await post(20, 'kill');
    const ids = accepted.map((r) => r.backupRequestId);
    // Every request is in the worker's hands (its lookup is running) when it dies.
    expect(await pollUntil(async () => (await jobLookups()) >= 20, 10_000, 50)).toBe(true);
    const [victim] = stack.running('check-allowed');
    if (!victim) throw new Error('no check-allowed running');
    await stack.kill(victim);
    expect(await statusCount(ids, 'Received')).toBe(20);

    await jobServiceFault({ mode: 'none' });
    await stack.start('check-allowed');
    await expectAllEndLegally(accepted);
  }, 90_000);

  it('re-drives at start-up, from the database, the requests whose messages the broker lost', async () => {
    const [checker] = stack.running('check-allowed');
    const [recovery] = stack.running('recovery');
    if (!checker || !recovery) throw new Error('check-allowed or recovery not running');
    expect(await stack.stop(checker)).toBe(0);
    await stack.kill(recovery);

    const accepted = await post(10, 'lost');
    const ids = accepted.map((r) => r.backupRequestId);
    const queue = `${env.namespace}.check-allowed.backup-request.received`;
    const published = async () =>
      (await outboxBacklog(env.db)) === 0 &&
      (await namespaceQueueDepths(env.namespace))[queue] === 10;
    expect(await pollUntil(published, 15_000, 500)).toBe(true);
    expect(await purgeQueue(env.broker.url, queue)).toBe(10);

    // With their messages gone, a running check-allowed has nothing to act on…
    await stack.start('check-allowed');
    await expectNothingWithin(
      1500,
      'request moving past Received',
      async () => (await statusCount(ids, 'Received')) < 10,
    );

    // …until a fresh recovery instance re-drives them before it consumes anything.
    const fresh = await stack.start('recovery');
    const round = fresh.handle.lines.find((line) => line['message'] === 'recovery round');
    expect(round).toMatchObject({ reason: 'start-up', redriven: 10 });
    await expectAllEndLegally(accepted);
  }, 90_000);

  it('leaves no message behind, logs no error and stops every process with exit 0', async () => {
    const allowed = everyRequest.filter((r) =>
      FIXTURE_JOBS.some((job) => job.isActive && job.backupJobId === r.backupJobId),
    ).length;
    expect(everyRequest).toHaveLength(30);
    expect(await interfaceStats(endpoints.interfaceUrl)).toMatchObject({
      attempts: allowed,
      distinctRequests: allowed,
      mismatchedMessageIds: 0,
    });
    expect(await pollUntil(async () => (await outboxBacklog(env.db)) === 0, 10_000)).toBe(true);
    expect(nonEmpty(await settledQueueDepths(env.namespace))).toEqual({});
    expect(stack.unexpectedExits()).toEqual([]);
    const exits = await stack.stopAll();
    expect(exits.filter((exit) => exit.code !== 0)).toEqual([]);
    expect(stack.linesAt('error')).toEqual([]);
  }, 60_000);
});
