import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { brokerProcesses, CpuWindow, type WindowUsage } from './cpu-window';
import type { Cleanup } from './cleanup';
import { backendPids, openRunEnvironment } from './environment';
import { Poster, openLoop, requestBody, type OpenLoopResult } from './http-load';
import { intakeCapacity, isSustained } from './intake-summary';
import { makeTestKey, signTestToken, startJwksServer } from '@linebacker/testing';
import { startLinebackerStack } from './linebacker-stack';

/** One intake step: the open-loop figures plus the CPU of each process during it. */
export interface IntakeStep extends OpenLoopResult {
  sustained: boolean;
  /** Outbox rows not yet published when the step ended (the relay keeping up or not). */
  outboxBacklogAfter: number;
  usage: WindowUsage;
}

/** How callers authenticate in an intake run. */
export type IntakeAuth = 'none' | 'jwt';

/** What the intake phase measured. */
export interface IntakeResult {
  /** `jwt`: every request carries a bearer token the receiver verifies (ES256, local JWKS). */
  auth: IntakeAuth;
  generator: string;
  steps: IntakeStep[];
  /**
   * Highest offered rate up to which every step was sustained with p99 under 100 ms (0: none;
   * see {@link intakeCapacity}).
   */
  highestRateP99Under100Ms: number;
  highestSustainedRate: number;
  closedLoop?: {
    tool: string;
    connections: number;
    seconds: number;
    requestsPerSecond: number;
    latencyMs: { p50: number; p99: number; max: number };
    errors: number;
  };
}

/** How the intake phase runs. */
export interface IntakeOptions {
  rates: number[];
  stepUpBy: number;
  maxRate: number;
  stepSeconds: number;
  autocannon: boolean;
  env: Record<string, string>;
  auth: IntakeAuth;
}

/**
 * For a `jwt` run: a JWKS endpoint on loopback with a fresh ES256 key, the receiver settings
 * that trust it, and one token (verified on every request, as the receiver caches keys but
 * not verdicts). Nothing for a `none` run.
 */
async function authSetup(
  auth: IntakeAuth,
  cleanup: Cleanup,
): Promise<{ env: Record<string, string>; headers: Record<string, string> }> {
  if (auth === 'none') return { env: {}, headers: {} };
  const key = await makeTestKey('bench-1');
  const jwks = await startJwksServer([key]);
  cleanup.add('bench JWKS server', () => jwks.stop());
  const token = await signTestToken(key, {
    iss: 'https://bench.invalid/',
    aud: 'linebacker',
    sub: 'bench',
    exp: Math.floor(Date.now() / 1000) + 24 * 3600,
    scope: 'post-backup-request',
    linebacker_jobs: '*',
    linebacker_locations: '*',
  });
  return {
    env: {
      LINEBACKER_AUTH_MODE: 'jwt',
      LINEBACKER_AUTH_JWKS_URL: jwks.url,
      LINEBACKER_AUTH_ISSUERS: 'https://bench.invalid/',
      LINEBACKER_AUTH_AUDIENCE: 'linebacker',
      LINEBACKER_AUTH_ALGORITHMS: 'ES256',
    },
    headers: { authorization: `Bearer ${token}` },
  };
}

/** autocannon's closed loop: each connection sends its next request when the last is answered. */
async function closedLoop(
  url: string,
  seconds: number,
  headers: Record<string, string>,
): Promise<NonNullable<IntakeResult['closedLoop']>> {
  const connections = 10;
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { ...headers, 'content-type': 'application/json' },
    body: requestBody(0, 'autocannon'),
  });
  return {
    tool: 'autocannon 9.0.0 (closed loop)',
    connections,
    seconds,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/**
 * The receiver alone (no workers, so the figures are the intake's own; the relay still
 * publishes every request to the broker) under open-loop load at fixed rates, then stepping
 * up until a step is not sustained.
 */
export async function runIntake(
  cleanup: Cleanup,
  options: IntakeOptions,
  log: (text: string) => void,
): Promise<IntakeResult> {
  const environment = await openRunEnvironment(cleanup, 'intake');
  const auth = await authSetup(options.auth, cleanup);
  const bench = await startLinebackerStack(environment, cleanup, {
    workers: 0,
    env: { ...options.env, ...auth.env },
  });
  // The intake phase runs one receiver.
  const [receiverUrl] = bench.receiverUrls;
  if (receiverUrl === undefined) throw new Error('intake: the stack started no receiver');
  const url = `${receiverUrl}/api/backup-requests`;
  const poster = new Poster(url, 512, 10_000, auth.headers);
  const steps: IntakeStep[] = [];
  try {
    await openLoop(poster, 100, 2, 'warm-up');
    const schedule = [...options.rates];
    for (let i = 0; i < schedule.length; i++) {
      const rate = schedule[i] ?? 0;
      const window = new CpuWindow(
        () => [
          ...bench.watched().filter((p) => p.role === 'http-receiver'),
          ...brokerProcesses(Number(new URL(environment.amqpUrl).port || 5672)),
        ],
        () => backendPids(environment.db, environment.databaseName),
      );
      await window.start();
      const result = await openLoop(poster, rate, options.stepSeconds, `intake-${rate}`);
      const usage = await window.end();
      // Let the relay drain before the next step, so one step's backlog does not load the next.
      let backlog = 0;
      for (let wait = 0; wait < 20; wait++) {
        const [row] = await environment.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM outbox',
        );
        backlog = row?.n ?? 0;
        if (backlog === 0) break;
        await sleep(250);
      }
      const step = {
        ...result,
        sustained: isSustained(result),
        outboxBacklogAfter: backlog,
        usage,
      };
      steps.push(step);
      log(
        `intake (auth ${options.auth}) ${rate}/s: achieved ${result.achievedRate}/s p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} max ${result.latencyMs.max} ms, errors ${result.errors}${result.errors > 0 ? ` ${JSON.stringify(result.errorKinds)}` : ''}, machine busy ${Math.round(usage.machineBusyShare * 100)} %`,
      );
      const last = i === schedule.length - 1;
      if (last && step.sustained && rate + options.stepUpBy <= options.maxRate)
        schedule.push(rate + options.stepUpBy);
      await sleep(1000);
    }
    const closed = options.autocannon
      ? await closedLoop(url, options.stepSeconds, auth.headers)
      : undefined;
    if (closed)
      log(
        `autocannon closed loop: ${closed.requestsPerSecond} req/s p99 ${closed.latencyMs.p99} ms`,
      );
    const sustained = steps.filter((s) => s.sustained);
    return {
      auth: options.auth,
      generator:
        "open loop on node:http (keep-alive agent, sends on a 1 ms timer, latency from each request's scheduled send time)",
      steps,
      highestRateP99Under100Ms: intakeCapacity(steps),
      highestSustainedRate: Math.max(0, ...sustained.map((s) => s.offeredRate)),
      ...(closed ? { closedLoop: closed } : {}),
    };
  } finally {
    poster.close();
    await bench.stop();
    await environment.close();
  }
}
