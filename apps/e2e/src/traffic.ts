import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupJob } from '@linebacker/domain';
import { JOBS_FIXTURE, type AcceptedRequest } from '@linebacker/testing';

export { pollUntil, type AcceptedRequest } from '@linebacker/testing';

/** The jobs the job service simulator serves in these tests. */
export const FIXTURE_JOBS: readonly BackupJob[] = JSON.parse(
  readFileSync(JOBS_FIXTURE, 'utf8'),
) as BackupJob[];

/** One POST the test sends. */
export interface RequestSpec {
  backupJobId: string;
  dataDate: string;
  backupDataLocation: string;
}

/**
 * What the receiver answered to one POST (`status` -1: the call itself failed), and the
 * network errors of the tries before it (each retried under the same Idempotency-Key).
 */
export interface PostResult {
  spec: RequestSpec;
  status: number;
  body: Record<string, unknown>;
  retriedAfter: string[];
}

const DATES = ['2024-02-29', '2023-12-31', '2024-01-01', '2025-06-15'];

/**
 * `count` requests mixing every kind of job: 6 in 10 for the three active jobs, 2 for the
 * inactive one and 2 for job ids the job service does not know.
 */
export function requestMix(count: number, label: string): RequestSpec[] {
  const active = FIXTURE_JOBS.filter((job) => job.isActive).map((job) => job.backupJobId);
  const inactive = FIXTURE_JOBS.filter((job) => !job.isActive).map((job) => job.backupJobId);
  return Array.from({ length: count }, (_, i) => {
    const slot = i % 10;
    const backupJobId =
      slot < 6
        ? active[slot % active.length]
        : slot < 8
          ? inactive[slot % inactive.length]
          : `job-unknown-${label}-${i}`;
    return {
      backupJobId: backupJobId ?? 'job-missing-from-fixture',
      dataDate: DATES[i % DATES.length] ?? '2024-02-29',
      backupDataLocation: `/prepared/${label}/${i}`,
    };
  });
}

/** Tries of one POST that got no answer (or 409: its first try still holds the key). */
const TRIES = 5;

/**
 * POSTs one spec as a careful client does: with an Idempotency-Key, trying again under the same
 * key when the call got no answer at all (a dropped connection says nothing about whether the
 * request was stored; the key makes the retry return the stored one instead of a second).
 */
async function post(receiverUrl: string, spec: RequestSpec): Promise<PostResult> {
  const retriedAfter: string[] = [];
  for (;;) {
    try {
      const response = await fetch(`${receiverUrl}/api/backup-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': spec.backupDataLocation },
        body: JSON.stringify({ apiVersion: '2022-05-22', ...spec }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (response.status !== 409 || retriedAfter.length + 1 >= TRIES)
        return { spec, status: response.status, body, retriedAfter };
      retriedAfter.push(`409 ${String(body['code'] ?? body['error'])}`);
    } catch (error) {
      const cause = (error as { cause?: { message?: string; code?: string } }).cause;
      const reason = `${String(error)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
      if (retriedAfter.length + 1 >= TRIES)
        return { spec, status: -1, body: { error: reason }, retriedAfter };
      retriedAfter.push(reason);
    }
    await sleep(250 * retriedAfter.length);
  }
}

/** The network errors that were retried, by reason, for a test to print. */
export function retriedCalls(results: readonly PostResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const reason of results.flatMap((result) => result.retriedAfter))
    counts[reason] = (counts[reason] ?? 0) + 1;
  return counts;
}

/** Posts every spec with at most `concurrency` calls in flight; keeps every answer, in order. */
export async function postAll(
  receiverUrl: string,
  specs: readonly RequestSpec[],
  concurrency: number,
): Promise<PostResult[]> {
  const results: PostResult[] = new Array<PostResult>(specs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < specs.length) {
      const index = next++;
      const spec = specs[index];
      if (spec) results[index] = await post(receiverUrl, spec);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

/** The requests the receiver answered 202 to (the test asserts there are no others). */
export function acceptedRequests(results: readonly PostResult[]): AcceptedRequest[] {
  return results
    .filter((r) => r.status === 202)
    .map((r) => ({
      backupRequestId: String(r.body['backupRequestId']),
      backupJobId: r.spec.backupJobId,
    }));
}
