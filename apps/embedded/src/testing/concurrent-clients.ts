import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the concurrent run posts: mostly allowed jobs, some that end NotAllowed. */
export const JOBS = [
  'job-active-local',
  'job-active-cloud-a',
  'job-active-cloud-b',
  'job-inactive',
  'job-unknown',
];
export const REQUESTS = 2000;
export const CLIENTS = 32;
/** Every accepted request must be terminal this long after the last 202 (measured: ~2 s). */
export const TERMINAL_WITHIN_MS = 120_000;

export type ReadRequest = {
  backupRequestId: string;
  backupJobId: string;
  statusTypeCode: string;
  history: Array<{ fromStatus: string | null; toStatus: string }>;
  backup: { backupRequestId: string } | null;
};

export const PATHS: Record<string, string[]> = {
  Succeeded: ['Received', 'Allowed', 'Sent', 'Succeeded'],
  Failed: ['Received', 'Allowed', 'Sent', 'Failed'],
  NotAllowed: ['Received', 'NotAllowed'],
};

/** Longest a client waits before it tries a 503 again, whatever Retry-After says. */
const MAX_RETRY_WAIT_MS = 2_000;
/** Connections closed without an answer that one request may meet before the run fails. */
const MAX_LOST_ANSWERS = 3;

/** Waits as a 503's Retry-After asks (at most `MAX_RETRY_WAIT_MS`). */
async function waitRetryAfter(answer: Response): Promise<void> {
  await answer.arrayBuffer();
  const seconds = Number(answer.headers.get('retry-after') ?? 1);
  await sleep(Math.min(MAX_RETRY_WAIT_MS, 1000 * (Number.isFinite(seconds) ? seconds : 1)));
}

/**
 * POSTs `total` requests from `clients` concurrent clients; each reads its request back at
 * once. A client does what the API asks of one (docs/operations.md): each POST carries an
 * Idempotency-Key, and a 503 (the store busy past its time-out) is tried again after
 * Retry-After, a POST under the same key. So is a POST whose connection closed with no
 * answer, at most `MAX_LOST_ANSWERS` times per request: it may or may not have been stored,
 * and the key makes the second try safe (a 409 says the first is still in flight).
 * `statuses` and `readBack` are the final answers; `retried` counts the POSTs tried again
 * after a 503 or a 409, `unavailable` every 503 (POST or read), `lostAnswers` the
 * unanswered POSTs.
 */
export async function postConcurrently(api: string, total: number, clients: number) {
  const statuses: number[] = [];
  const readBack: number[] = [];
  const accepted = new Map<string, string>();
  let retried = 0;
  let unavailable = 0;
  let lostAnswers = 0;
  let next = 0;
  // Keys of this call's requests only: a later call posts new requests, not replays.
  const run = randomUUID();
  const post = async (index: number, backupJobId: string | undefined): Promise<Response> => {
    for (let lost = 0; ;) {
      const posted = await fetch(`${api}/api/backup-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `${run}-${index}` },
        body: JSON.stringify({
          apiVersion: '2022-05-22',
          backupJobId,
          dataDate: '2024-02-29',
          backupDataLocation: `/data/prepared/${index}`,
        }),
      }).catch((error: unknown) => {
        // fetch rejects with a TypeError when the connection ends without a response.
        if (!(error instanceof TypeError) || ++lost > MAX_LOST_ANSWERS) throw error;
        lostAnswers++;
        return undefined;
      });
      if (!posted) {
        await sleep(1000);
        continue;
      }
      // 409 is the same key still in flight: expected only after a connection closed
      // unanswered; any other 409 is an answer the spec checks.
      const inFlight = posted.status === 409 && lost > 0;
      if (posted.status !== 503 && !inFlight) return posted;
      retried++;
      if (posted.status === 503) unavailable++;
      await waitRetryAfter(posted);
    }
  };
  const read = async (id: string): Promise<Response> => {
    for (;;) {
      const answer = await fetch(`${api}/api/backup-requests/${id}`);
      if (answer.status !== 503) return answer;
      unavailable++;
      await waitRetryAfter(answer);
    }
  };
  const client = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      const backupJobId = JOBS[index % JOBS.length];
      const posted = await post(index, backupJobId);
      statuses.push(posted.status);
      const body = (await posted.json()) as { backupRequestId?: string };
      if (posted.status !== 202 || !body.backupRequestId) continue;
      accepted.set(body.backupRequestId, backupJobId);
      // Read-your-write: a 202 promises a committed row (a 503 says ask again, a 404 breaks it).
      const answer = await read(body.backupRequestId);
      readBack.push(answer.status);
      await answer.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { statuses, readBack, accepted, retried, unavailable, lostAnswers };
}

function parseLogLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * The error lines of a run, split: `unavailable` counts the receiver's own account of a 503
 * it answered (its `request failed` line with the status), one per 503; `other` holds every
 * other error line, which a clean run has none of.
 */
export function errorLines(lines: string[]): { unavailable: number; other: string[] } {
  const errors = lines.filter((line) => line.includes('"level":"error"'));
  const other = errors.filter((line) => {
    const entry = parseLogLine(line);
    return !(entry['message'] === 'request failed' && entry['status'] === 503);
  });
  return { unavailable: errors.length - other.length, other };
}

export const tally = (values: Array<string | number>): Record<string, number> =>
  values.reduce<Record<string, number>>((counts, value) => {
    counts[value] = (counts[value] ?? 0) + 1;
    return counts;
  }, {});
