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

/**
 * POSTs `total` requests from `clients` concurrent clients; each reads its request back at
 * once. A client does what the API asks of one (docs/operations.md): each POST carries an
 * Idempotency-Key, and a 503 (the store busy past its time-out) is tried again under the
 * same key after Retry-After. So is a POST whose connection closed with no answer, at most
 * `MAX_LOST_ANSWERS` times per request: it may or may not have been stored, and the key
 * makes the second try safe (a 409 says the first is still in flight). `statuses` are the
 * final answers; `retried` counts the 503s and 409s, `lostAnswers` the unanswered POSTs.
 */
export async function postConcurrently(api: string, total: number, clients: number) {
  const statuses: number[] = [];
  const readBack: number[] = [];
  const accepted = new Map<string, string>();
  let retried = 0;
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
      await posted.arrayBuffer();
      const seconds = Number(posted.headers.get('retry-after') ?? 1);
      await sleep(Math.min(MAX_RETRY_WAIT_MS, 1000 * (Number.isFinite(seconds) ? seconds : 1)));
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
      // Read-your-write: a 202 promises a committed row.
      const read = await fetch(`${api}/api/backup-requests/${body.backupRequestId}`);
      readBack.push(read.status);
      await read.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { statuses, readBack, accepted, retried, lostAnswers };
}

export const tally = (values: Array<string | number>): Record<string, number> =>
  values.reduce<Record<string, number>>((counts, value) => {
    counts[value] = (counts[value] ?? 0) + 1;
    return counts;
  }, {});
