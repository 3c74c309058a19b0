import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallbackReceiver } from '@linebacker/callbacks/testing';
import { waitFor } from '@linebacker/testing';
import {
  type ReadRequest,
  PATHS,
  errorLines,
  postConcurrently,
} from './testing/concurrent-clients';
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

describe('the embedded mode with a callback', () => {
  it('POSTs the signed end state to the URL the request named', async () => {
    const keys = [{ kid: 'local', secret: 'an-embedded-trial-secret-of-32-chars' }];
    const hook = await startCallbackReceiver(keys);
    const app = npmStart({
      LINEBACKER_SIM_REPLY_DELAY_MS: '50',
      LINEBACKER_CALLBACK_CLIENTS: JSON.stringify([
        { requesterId: 'anonymous', allowedHosts: ['127.0.0.1'] },
      ]),
      LINEBACKER_CALLBACK_SECRETS: JSON.stringify({ anonymous: keys }),
      LINEBACKER_CALLBACK_ALLOW_HTTP: 'true',
      LINEBACKER_CALLBACK_ALLOW_PRIVATE_ADDRESSES: 'true',
    });
    try {
      const [, api] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/backup-requests/, 120_000);
      const posted = await fetch(`${api}/api/backup-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: '2026-12-05',
          backupJobId: 'job-active-local',
          dataDate: '2024-02-29',
          backupDataLocation: '/data/x',
          callbackUrl: hook.url,
        }),
      });
      expect(posted.status).toBe(202);
      const { backupRequestId } = (await posted.json()) as { backupRequestId: string };
      await app.waitFor(new RegExp(`request ${backupRequestId} ended: Succeeded`), 30_000);
      await waitFor(() => hook.received.length > 0, 'the callback', 10_000, 50);
      expect(hook.received).toEqual([
        {
          eventId: `${backupRequestId}:Succeeded`,
          signature: 'ok',
          duplicate: false,
          body: expect.objectContaining({ status: 'Succeeded', backupRequestId }),
        },
      ]);
      // The request's view lists the attempt, once the notifier recorded it.
      const attempts = async () =>
        (
          (await (await fetch(`${api}/api/backup-requests/${backupRequestId}`)).json()) as {
            callbackAttempts: Array<{ outcome: string; statusCode: number }>;
          }
        ).callbackAttempts;
      await waitFor(async () => (await attempts()).length > 0, 'the recorded attempt', 10_000, 50);
      expect(await attempts()).toMatchObject([{ outcome: 'delivered', statusCode: 200 }]);
    } finally {
      await app.stop();
      await hook.close();
    }
  }, 180_000);
});

describe('the embedded mode with a data folder', () => {
  it('keeps what it accepted across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lb-embedded-'));
    const env = { LINEBACKER_EMBEDDED_DATA_DIR: dataDir, LINEBACKER_SIM_REPLY_DELAY_MS: '20' };
    try {
      const first = npmStart(env);
      let before: Map<string, string>;
      let unavailable = 0;
      try {
        const [, api] = await first.waitFor(/API\s+(http:\/\/\S+)\/api\/backup-requests/, 120_000);
        const posted = await postConcurrently(api, 50, 8);
        before = posted.accepted;
        unavailable += posted.unavailable;
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
        const { accepted: after, ...posted } = await postConcurrently(api, 5, 5);
        unavailable += posted.unavailable;
        await Promise.all(
          [...after.keys()].map((id) => second.waitFor(new RegExp(`request ${id} ended`), 60_000)),
        );
      } finally {
        await second.stop();
      }
      // Only the receiver's account of each 503 the clients met and tried again.
      expect(errorLines([...first.lines, ...second.lines])).toEqual({ unavailable, other: [] });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
