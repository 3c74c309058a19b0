import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarize, type LatencySummary } from '@linebacker/testing';
import { tenths } from './rounds';

/** What one POST answered (`status` -1: the call failed or timed out). */
export interface PostAnswer {
  status: number;
  body: string;
}

const JOBS = ['job-active-local', 'job-active-cloud-a', 'job-active-cloud-b'];
const DATES = ['2024-02-29', '2023-12-31', '2024-01-01', '2025-06-15'];

/** The i-th request body: only active jobs, so every request goes through every stage. */
export function requestBody(i: number, label: string): string {
  return JSON.stringify({
    apiVersion: '2022-05-22',
    backupJobId: JOBS[i % JOBS.length],
    dataDate: DATES[i % DATES.length],
    backupDataLocation: `/prepared/${label}/${i}`,
  });
}

/** A keep-alive HTTP client for one `POST` endpoint. */
export class Poster {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(
    endpoint: string,
    maxSockets = 256,
    private readonly timeoutMs = 10_000,
    /** Sent with every request (the bearer token of an authenticated run). */
    private readonly headers: Record<string, string> = {},
  ) {
    this.url = new URL(endpoint);
    // With a timeout of its own, the agent also honours the server's `Keep-Alive: timeout=N`
    // and closes an idle socket a second before the server would. Without one, Node 20 keeps
    // idle sockets until the server closes them, and a call that picks a socket just as the
    // server closes it fails (`socket hang up`, ECONNRESET) although the server never saw it.
    this.agent = new Agent({ keepAlive: true, maxSockets, timeout: timeoutMs });
  }

  /** Posts one JSON body and resolves with the status and body (never rejects). */
  post(body: string): Promise<PostAnswer> {
    return new Promise((resolve) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            ...this.headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? -1, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (error) => resolve({ status: -1, body: String(error) }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => resolve({ status: -1, body: String(error) }));
      req.end(body);
    });
  }

  /** Closes the idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/** One open-loop step: offered and achieved rate, latency of the accepted calls, errors. */
export interface OpenLoopResult {
  offeredRate: number;
  durationSeconds: number;
  sent: number;
  accepted: number;
  errors: number;
  /** Status codes other than 202 (and -1 for failed calls), counted. */
  errorStatuses: Record<string, number>;
  /**
   * What the calls that were not 202 said, counted by status and the start of the body or the
   * error (`-1 Error: read ECONNRESET`); the first {@link ERROR_KINDS_KEPT} kinds only.
   */
  errorKinds: Record<string, number>;
  /** Accepted responses per second, from the first send to the last answer. */
  achievedRate: number;
  /** Latency from each request's scheduled send time to its answer (coordinated-omission free). */
  latencyMs: LatencySummary;
  /** How late the timer sent the latest request after its scheduled time. */
  maxSendLagMs: number;
}

/** Distinct kinds of failed call a step keeps (the rest are counted in `errorStatuses` only). */
export const ERROR_KINDS_KEPT = 5;

/** Counts a failed call under its status and the first line of its answer, up to the cap. */
export function countErrorKind(kinds: Record<string, number>, answer: PostAnswer): void {
  const firstLine = answer.body.split('\n', 1)[0] ?? '';
  const key = `${answer.status} ${firstLine.slice(0, 120)}`.trimEnd();
  if (kinds[key] === undefined && Object.keys(kinds).length >= ERROR_KINDS_KEPT) return;
  kinds[key] = (kinds[key] ?? 0) + 1;
}

/**
 * Sends `rate` requests per second for `durationSeconds` on a timer, whatever the answers do
 * (open loop), and records each request's own latency measured from its scheduled send time:
 * a slow server gets more requests in flight, not fewer requests (as a closed loop would).
 */
export async function openLoop(
  poster: Poster,
  rate: number,
  durationSeconds: number,
  label: string,
): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round(rate * durationSeconds));
  const latencies: number[] = [];
  const errorStatuses: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  let maxSendLagMs = 0;
  let lastAnswer = 0;
  const start = performance.now();
  const fire = (index: number, scheduled: number): void => {
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - scheduled);
    inFlight.push(
      poster.post(requestBody(index, label)).then((answer) => {
        lastAnswer = performance.now();
        if (answer.status === 202) latencies.push(lastAnswer - scheduled);
        else {
          errorStatuses[answer.status] = (errorStatuses[answer.status] ?? 0) + 1;
          countErrorKind(errorKinds, answer);
        }
      }),
    );
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < due) {
        fire(sent, start + (sent * 1000) / rate);
        sent += 1;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsed = Math.max(0.001, (lastAnswer - start) / 1000);
  return {
    offeredRate: rate,
    durationSeconds,
    sent,
    accepted: latencies.length,
    errors: sent - latencies.length,
    errorStatuses,
    errorKinds,
    achievedRate: tenths(latencies.length / elapsed),
    latencyMs: summarize(latencies),
    maxSendLagMs: tenths(maxSendLagMs),
  };
}

/**
 * Posts `count` bodies with at most `concurrency` in flight, the lanes spread evenly over the
 * receivers; returns the ids accepted with 202. With `perSecond`, call k starts no earlier
 * than k / perSecond seconds after the first (an open-loop pace that the lanes can only fall
 * behind, when the receivers answer slower than the pace needs).
 */
export async function postBatch(
  posters: readonly Poster[],
  count: number,
  concurrency: number,
  label: string,
  perSecond = 0,
): Promise<{ ids: string[]; errors: number }> {
  if (posters.length === 0) throw new Error('postBatch: no receiver to post to');
  const ids: string[] = [];
  let errors = 0;
  let next = 0;
  const startedAt = performance.now();
  // Lane i posts to receiver i mod n, as a load balancer spreads long-lived connections.
  const lane = async (poster: Poster): Promise<void> => {
    while (next < count) {
      const n = next++;
      // A timer may fire a little early against performance.now(): wait until the slot.
      const due = perSecond > 0 ? startedAt + (n * 1000) / perSecond : 0;
      while (performance.now() < due) await sleep(Math.max(1, due - performance.now()));
      const answer = await poster.post(requestBody(n, label));
      const id =
        answer.status === 202
          ? (JSON.parse(answer.body) as { backupRequestId?: unknown }).backupRequestId
          : undefined;
      if (typeof id === 'string') ids.push(id);
      else errors += 1;
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, (_, i) => lane(posters[i % posters.length] as Poster)),
  );
  return { ids, errors };
}
