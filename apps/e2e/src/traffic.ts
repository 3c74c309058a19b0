import { readFileSync } from 'node:fs';
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

/** What the receiver answered to one POST (`status` -1: the call itself failed). */
export interface PostResult {
  spec: RequestSpec;
  status: number;
  body: Record<string, unknown>;
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

async function post(receiverUrl: string, spec: RequestSpec): Promise<PostResult> {
  try {
    const response = await fetch(`${receiverUrl}/api/backup-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: '2022-05-22', ...spec }),
    });
    return {
      spec,
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
    };
  } catch (error) {
    return { spec, status: -1, body: { error: String(error) } };
  }
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
