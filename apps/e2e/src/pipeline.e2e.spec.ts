import { pipelineProcessStack, startPipeline, type ProcessStack } from '@linebacker/testing';
import { closeE2eEnvironment, openE2eEnvironment, type E2eEnvironment } from './e2e-environment';
import { outboxBacklog } from '@linebacker/testing';
import {
  interfaceStats,
  nonEmpty,
  notifiedRequestIds,
  phaseClock,
  settledOutcomes,
  settledQueueDepths,
} from './stack-checks';
import { acceptedRequests, pollUntil, postAll, requestMix, retriedCalls } from './traffic';

const REQUESTS = 2000;
const IN_FLIGHT = 20;

describe('the pipeline as separate processes, two instances of every worker', () => {
  let env: E2eEnvironment;
  let stack: ProcessStack | undefined;

  beforeAll(async () => {
    env = await openE2eEnvironment('e2e');
  }, 30_000);

  // Runs whether the test passed or not.
  afterAll(() => closeE2eEnvironment(env, stack), 60_000);

  it('takes 2,000 HTTP requests from 202 to a legal end state, each sent to the interface once', async () => {
    const { db, namespace } = env;
    const phases = phaseClock();
    stack = pipelineProcessStack({
      databaseUrl: env.database.url,
      amqpUrl: env.broker.url,
      namespace,
      env: { LINEBACKER_SIM_REPLY_DELAY_MS: '20', LINEBACKER_SIM_FAILED_SHARE: '0.2' },
    });
    const endpoints = await startPipeline(stack, {
      'check-allowed': 2,
      'send-to-interface': 2,
      'interface-receiver': 2,
      'receive-status': 2,
      notifier: 2,
      recovery: 2,
    });
    expect(stack.running()).toHaveLength(3 + 2 * 6);
    console.log(phases.lap('started'));

    const results = await postAll(endpoints.receiverUrl, requestMix(REQUESTS, 'e2e'), IN_FLIGHT);
    // Calls that got no answer were tried again under their Idempotency-Key, as a client does.
    console.log(`retried calls: ${JSON.stringify(retriedCalls(results))}`);
    console.log(phases.lap('posted'));
    expect(results.filter((r) => r.status !== 202)).toEqual([]);
    const accepted = acceptedRequests(results);
    const ids = accepted.map((r) => r.backupRequestId);
    expect(new Set(ids).size).toBe(REQUESTS);

    const { summary, allowed } = await settledOutcomes(db, accepted, 180_000);
    console.log(phases.lap('settled'));
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM backup_request');
    expect(stored.rows[0]?.n).toBe(REQUESTS);
    expect(summary.NotAllowed).toBe(REQUESTS - allowed);
    expect(summary.Succeeded + summary.Failed).toBe(allowed);
    expect(summary.backups).toBe(summary.Succeeded);
    expect(summary.Succeeded).toBeGreaterThan(0);
    expect(summary.Failed).toBeGreaterThan(0);

    // The interface saw every allowed request exactly once, always under its own id.
    expect(await interfaceStats(endpoints.interfaceUrl)).toMatchObject({
      attempts: allowed,
      distinctRequests: allowed,
      duplicateAttempts: 0,
      mismatchedMessageIds: 0,
    });

    expect(await pollUntil(async () => (await outboxBacklog(db)) === 0, 10_000)).toBe(true);
    const depths = await settledQueueDepths(namespace);
    expect(Object.keys(depths).length).toBeGreaterThan(10);
    expect(nonEmpty(depths)).toEqual({});
    // Every end state was notified (the notifier acks only after logging it).
    const notified = notifiedRequestIds(stack);
    expect(ids.filter((id) => !notified.has(id)).slice(0, 10)).toEqual([]);

    expect(stack.unexpectedExits()).toEqual([]);
    const exits = await stack.stopAll();
    expect(exits.filter((exit) => exit.code !== 0)).toEqual([]);
    expect(stack.linesAt('error')).toEqual([]);
    // The deadlines inside (start-up 60 s, settling 180 s) fail with their own message first;
    // a slow machine must not turn a correct run into a Jest time-out.
  }, 420_000);
});
