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

/** POSTs `total` requests from `clients` concurrent clients; each reads its request back at once. */
export async function postConcurrently(api: string, total: number, clients: number) {
  const statuses: number[] = [];
  const readBack: number[] = [];
  const accepted = new Map<string, string>();
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      const backupJobId = JOBS[index % JOBS.length];
      const posted = await fetch(`${api}/api/backup-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: '2022-05-22',
          backupJobId,
          dataDate: '2024-02-29',
          backupDataLocation: `/data/prepared/${index}`,
        }),
      });
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
  return { statuses, readBack, accepted };
}

export const tally = (values: Array<string | number>): Record<string, number> =>
  values.reduce<Record<string, number>>((counts, value) => {
    counts[value] = (counts[value] ?? 0) + 1;
    return counts;
  }, {});
