import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WORKSPACE_ROOT } from '@linebacker/testing';

/** Runs `npm start` as the README says, and collects what it prints. */
function npmStart() {
  const child = spawn('npm', ['start'], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, LINEBACKER_HTTP_PORT: '0', LINEBACKER_SIM_REPLY_DELAY_MS: '50' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (match: RegExpMatchArray) => void }> = [];
  const onLine = (line: string): void => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(line);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  if (!child.stdout || !child.stderr) throw new Error('no pipes');
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const waitFor = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const seen = lines.map((line) => pattern.exec(line)).find(Boolean);
      if (seen) return resolve(seen);
      const timer = setTimeout(
        () => reject(new Error(`no ${pattern} in:\n${lines.slice(-20).join('\n')}`)),
        timeoutMs,
      );
      waiters.push({ pattern, resolve: (match) => (clearTimeout(timer), resolve(match)) });
    });
  // npm runs the app in a child shell: signal the whole process group.
  const stop = (): Promise<number | null> => {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
    return exited;
  };
  return { lines, waitFor, stop, exited };
}

describe('the embedded mode (npm start)', () => {
  it('prints where it listens and carries a posted request to Succeeded', async () => {
    const app = npmStart();
    try {
      const [, api] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/backup-requests/, 120_000);
      // The banner's lines arrive one by one: wait for the example line rather than assume it came
      // in the same chunk as the address.
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
      const health = await fetch(`${api}/api/zpages/healthz`);
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
