import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmStart } from './testing/npm-start';

describe('the embedded mode (npm start)', () => {
  it('prints where it listens and carries a posted request to Succeeded', async () => {
    const app = npmStart({ LINEBACKER_SIM_REPLY_DELAY_MS: '50' });
    try {
      const [, api] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/backup-requests/, 120_000);
      // The banner's lines arrive one by one: wait for the example line rather than assume it came
      // in the same chunk as the address.
      const [, operator] = await app.waitFor(
        /health\s+(http:\/\/\S+)\/api\/zpages\/healthz/,
        10_000,
      );
      await app.waitFor(/curl -s -X POST/, 10_000);
      const posted = await fetch(`${api}/api/backup-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: '2022-05-22',
          backupJobId: 'job-active-local',
          dataDate: '2024-02-29',
          backupDataLocation: '/data/x',
        }),
      });
      expect(posted.status).toBe(202);
      const { backupRequestId } = (await posted.json()) as { backupRequestId: string };
      await app.waitFor(new RegExp(`request ${backupRequestId} ended: Succeeded`), 30_000);
      const read = (await (
        await fetch(`${api}/api/backup-requests/${backupRequestId}`)
      ).json()) as {
        statusTypeCode: string;
        history: Array<{ toStatus: string }>;
        backup: { backupRequestId: string } | null;
      };
      expect(read.statusTypeCode).toBe('Succeeded');
      expect(read.history.map((entry) => entry.toStatus)).toEqual([
        'Received',
        'Allowed',
        'Sent',
        'Succeeded',
      ]);
      expect(read.backup?.backupRequestId).toBe(backupRequestId);
      // healthz reads the in-memory bus's queues and the embedded database like the real ones.
      const health = await fetch(`${operator}/api/zpages/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        dependencies: { database: 'up', broker: 'up' },
        requests: { Succeeded: 1 },
        queues: { 'check-allowed.backup-request.received': { consumers: 1, deadLetters: 0 } },
      });
    } finally {
      await app.stop();
    }
    expect(app.lines.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  }, 180_000);
});

/** What the concurrent run posts: mostly allowed jobs, some that end NotAllowed. */
const JOBS = [
  'job-active-local',
  'job-active-cloud-a',
  'job-active-cloud-b',
  'job-inactive',
  'job-unknown',
];
const REQUESTS = 2000;
const CLIENTS = 32;
/** Every accepted request must be terminal this long after the last 202 (measured: ~2 s). */
const TERMINAL_WITHIN_MS = 120_000;

type ReadRequest = {
  backupRequestId: string;
  backupJobId: string;
  statusTypeCode: string;
  history: Array<{ fromStatus: string | null; toStatus: string }>;
  backup: { backupRequestId: string } | null;
};

const PATHS: Record<string, string[]> = {
  Succeeded: ['Received', 'Allowed', 'Sent', 'Succeeded'],
  Failed: ['Received', 'Allowed', 'Sent', 'Failed'],
  NotAllowed: ['Received', 'NotAllowed'],
};

/** POSTs `total` requests from `clients` concurrent clients; each reads its request back at once. */
async function postConcurrently(api: string, total: number, clients: number) {
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

const tally = (values: Array<string | number>): Record<string, number> =>
  values.reduce<Record<string, number>>((counts, value) => {
    counts[value] = (counts[value] ?? 0) + 1;
    return counts;
  }, {});

describe('the embedded mode under concurrent clients', () => {
  it(`keeps every one of ${REQUESTS} requests posted by ${CLIENTS} clients`, async () => {
    const app = npmStart({ LINEBACKER_SIM_FAILED_SHARE: '0.1' });
    const ended = new Map<string, string[]>();
    app.onLine((line) => {
      const match = /^request (\S+) ended: (\w+)/.exec(line);
      if (match) ended.set(match[1], [...(ended.get(match[1]) ?? []), match[2]]);
    });
    try {
      const [, api] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/backup-requests/, 120_000);
      const [, operator] = await app.waitFor(
        /health\s+(http:\/\/\S+)\/api\/zpages\/healthz/,
        10_000,
      );
      const { statuses, readBack, accepted } = await postConcurrently(api, REQUESTS, CLIENTS);
      expect(tally(statuses)).toEqual({ 202: REQUESTS });
      expect(tally(readBack)).toEqual({ 200: REQUESTS });

      // The notifier prints one line per end state: wait for every accepted request's.
      const allEnded = new Promise<void>((resolve) => {
        const check = (): void => {
          if ([...accepted.keys()].every((id) => ended.has(id))) resolve();
        };
        check();
        app.onLine(check);
      });
      const late = new Promise<never>((_, reject) =>
        setTimeout(
          () =>
            reject(
              new Error(
                `not terminal: ${[...accepted.keys()].filter((id) => !ended.has(id)).length}`,
              ),
            ),
          TERMINAL_WITHIN_MS,
        ).unref(),
      );
      await Promise.race([allEnded, late]);

      const reads: ReadRequest[] = [];
      for (const id of accepted.keys()) {
        const read = await fetch(`${api}/api/backup-requests/${id}`);
        expect(read.status).toBe(200);
        reads.push((await read.json()) as ReadRequest);
      }
      for (const read of reads) {
        // Each request took the one legal path to the end state the notifier announced.
        expect(ended.get(read.backupRequestId)).toEqual([read.statusTypeCode]);
        expect(read.backupJobId).toBe(accepted.get(read.backupRequestId));
        expect(read.history.map((entry) => entry.toStatus)).toEqual(PATHS[read.statusTypeCode]);
        // One Backup for a success, none otherwise.
        expect(read.backup?.backupRequestId ?? null).toBe(
          read.statusTypeCode === 'Succeeded' ? read.backupRequestId : null,
        );
      }
      const byStatus = tally(reads.map((read) => read.statusTypeCode));
      expect(byStatus['NotAllowed']).toBe((REQUESTS * 2) / JOBS.length);
      expect(byStatus['Succeeded']).toBeGreaterThan(0);
      expect(byStatus['Failed']).toBeGreaterThan(0);

      const health = (await (await fetch(`${operator}/api/zpages/healthz`)).json()) as {
        requests: Record<string, number>;
        outbox: { count: number };
        queues: Record<string, { deadLetters: number }>;
      };
      expect(health.requests).toEqual({ Received: 0, Allowed: 0, Sent: 0, ...byStatus });
      expect(health.outbox.count).toBe(0);
      for (const [queue, stats] of Object.entries(health.queues)) {
        expect({ queue, deadLetters: stats.deadLetters }).toEqual({ queue, deadLetters: 0 });
      }
    } finally {
      await app.stop();
    }
    expect(app.lines.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  }, 600_000);
});

describe('the embedded mode with a data folder', () => {
  it('keeps what it accepted across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lb-embedded-'));
    const env = { LINEBACKER_EMBEDDED_DATA_DIR: dataDir, LINEBACKER_SIM_REPLY_DELAY_MS: '20' };
    try {
      const first = npmStart(env);
      let before: Map<string, string>;
      try {
        const [, api] = await first.waitFor(/API\s+(http:\/\/\S+)\/api\/backup-requests/, 120_000);
        ({ accepted: before } = await postConcurrently(api, 50, 8));
        await Promise.all(
          [...before.keys()].map((id) => first.waitFor(new RegExp(`request ${id} ended`), 60_000)),
        );
      } finally {
        await first.stop();
      }

      const second = npmStart(env);
      try {
        const [, api] = await second.waitFor(/API\s+(http:\/\/\S+)\/api\/backup-requests/, 120_000);
        for (const [id, job] of before) {
          const read = (await (
            await fetch(`${api}/api/backup-requests/${id}`)
          ).json()) as ReadRequest;
          expect(read.backupJobId).toBe(job);
          expect(read.history.map((entry) => entry.toStatus)).toEqual(PATHS[read.statusTypeCode]);
        }
        // The restarted pipeline carries new work on top of the kept data.
        const { accepted: after } = await postConcurrently(api, 5, 5);
        await Promise.all(
          [...after.keys()].map((id) => second.waitFor(new RegExp(`request ${id} ended`), 60_000)),
        );
      } finally {
        await second.stop();
      }
      expect(
        [...first.lines, ...second.lines].filter((l) => l.includes('"level":"error"')),
      ).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
