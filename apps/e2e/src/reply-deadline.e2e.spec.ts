import {
  outcomeViolations,
  pipelineProcessStack,
  startPipeline,
  unfinishedCount,
  type ProcessStack,
} from '@linebacker/testing';
import { closeE2eEnvironment, openE2eEnvironment, type E2eEnvironment } from './e2e-environment';
import { interfaceStats, notifiedRequestIds } from './stack-checks';
import { acceptedRequests, FIXTURE_JOBS, pollUntil, postAll, requestMix } from './traffic';

const REQUESTS = 60;
const MAX_RESENDS = 2;
const REPLY_TIMEOUT_MS = 2000;

describe('the reply deadline, with an interface that never replies', () => {
  let env: E2eEnvironment;
  let stack: ProcessStack | undefined;

  beforeAll(async () => {
    env = await openE2eEnvironment('deadline');
  }, 30_000);

  afterAll(() => closeE2eEnvironment(env, stack), 60_000);

  it('re-sends each request under its own id, then fails it with NoReplyFromInterface, with two recoverers racing', async () => {
    const { db, namespace } = env;
    const running = pipelineProcessStack({
      databaseUrl: env.database.url,
      amqpUrl: env.broker.url,
      namespace,
      env: {
        LINEBACKER_SIM_SILENT_SHARE: '1',
        LINEBACKER_REPLY_TIMEOUT_MS: String(REPLY_TIMEOUT_MS),
        LINEBACKER_REPLY_MAX_RESENDS: String(MAX_RESENDS),
        // Short sweeps make the two recovery instances claim at nearly the same moments.
        LINEBACKER_RECOVERY_SWEEP_INTERVAL_MS: '100',
      },
    });
    stack = running;
    const endpoints = await startPipeline(running, { recovery: 2 });

    const results = await postAll(endpoints.receiverUrl, requestMix(REQUESTS, 'deadline'), 10);
    expect(results.filter((r) => r.status !== 202)).toEqual([]);
    const accepted = acceptedRequests(results);
    const ids = accepted.map((r) => r.backupRequestId);
    const allowed = accepted
      .filter((r) => FIXTURE_JOBS.some((j) => j.isActive && j.backupJobId === r.backupJobId))
      .map((r) => r.backupRequestId);
    expect(allowed.length).toBeGreaterThan(REQUESTS / 2);

    const finished = await pollUntil(async () => (await unfinishedCount(db, ids)) === 0, 60_000);
    expect({ finished, unfinished: await unfinishedCount(db, ids) }).toEqual({
      finished: true,
      unfinished: 0,
    });

    // Every allowed request ended Failed for want of a reply; the journeys are legal.
    const { problems, summary } = await outcomeViolations(db, accepted, FIXTURE_JOBS);
    expect(problems.slice(0, 10)).toEqual([]);
    expect(summary).toMatchObject({ Failed: allowed.length, Succeeded: 0, backups: 0 });
    const { rows: reasons } = await db.query<{ reason: string; n: number }>(
      `SELECT reply_message_text AS reason, count(*)::int AS n FROM backup_request
        WHERE status_type_code = 'Failed' GROUP BY 1`,
    );
    expect(reasons).toEqual([{ reason: 'NoReplyFromInterface', n: allowed.length }]);

    // The interface saw each request once plus once per resend, always under its own id:
    // the two recoverers never re-sent one request twice for one deadline.
    const perRequest = (await (
      await fetch(`${endpoints.interfaceUrl}/stats/requests`)
    ).json()) as Record<string, number>;
    expect(Object.keys(perRequest).sort()).toEqual([...allowed].sort());
    const wrongCounts = Object.entries(perRequest).filter(([, n]) => n !== MAX_RESENDS + 1);
    expect(wrongCounts).toEqual([]);
    expect(await interfaceStats(endpoints.interfaceUrl)).toMatchObject({
      attempts: allowed.length * (MAX_RESENDS + 1),
      mismatchedMessageIds: 0,
      replies: 0,
    });

    // Each step is in the history: MAX_RESENDS Sent→Sent rows by recovery, then the failure.
    const { rows: steps } = await db.query<{ from: string; to: string; by: string; n: number }>(
      `SELECT from_status_type_code AS from, to_status_type_code AS to,
              changed_by_service_name AS by, count(*)::int AS n
         FROM backup_request_status_history
        WHERE from_status_type_code = 'Sent' GROUP BY 1, 2, 3 ORDER BY 2`,
    );
    expect(steps).toEqual([
      { from: 'Sent', to: 'Failed', by: 'recovery', n: allowed.length },
      { from: 'Sent', to: 'Sent', by: 'recovery', n: allowed.length * MAX_RESENDS },
    ]);
    const resendLines = running.linesOf(
      'recovery',
      (l) => l['message'] === 'reply overdue: re-sending',
    );
    expect(resendLines).toHaveLength(allowed.length * MAX_RESENDS);

    // And in the metrics of the two recovery instances together.
    const counted = async (name: string): Promise<number> => {
      let sum = 0;
      for (const instance of running.processes.filter((p) => p.app === 'recovery')) {
        const health = instance.handle.lines.find((l) => l['message'] === 'health port listening');
        const text = await (
          await fetch(`http://127.0.0.1:${String(health?.['port'])}/metrics`)
        ).text();
        const sample = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
        sum += Number(sample?.[1] ?? Number.NaN);
      }
      return sum;
    };
    expect(await counted('linebacker_reply_resends_total')).toBe(allowed.length * MAX_RESENDS);
    expect(await counted('linebacker_no_reply_failures_total')).toBe(allowed.length);

    // The failures reached the notifier like any other end state.
    expect(
      await pollUntil(
        async () => allowed.every((id) => notifiedRequestIds(running).has(id)),
        10_000,
      ),
    ).toBe(true);

    expect(running.unexpectedExits()).toEqual([]);
    const exits = await running.stopAll();
    expect(exits.filter((exit) => exit.code !== 0)).toEqual([]);
    expect(running.linesAt('error')).toEqual([]);
  }, 150_000);
});
