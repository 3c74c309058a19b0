import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorKindOf, type BackupJob } from '@linebacker/domain';
import { HttpBackupJobService } from './http-backup-job-service';

const activeJob: BackupJob = {
  backupJobId: 'job-1',
  storagePathName: '/vault/job-1',
  backupProviderCode: 'CloudA',
  daysToKeep: 30,
  isActive: true,
  holdFlag: false,
};

type Responder = (id: string) => { status: number; body?: unknown; delayMs?: number };

async function serve(respond: Responder): Promise<{ baseUrl: string; server: Server }> {
  const server = createServer((req, res) => {
    const id = decodeURIComponent((req.url ?? '').replace('/backup-jobs/', ''));
    const { status, body, delayMs } = respond(id);
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
    }, delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('HttpBackupJobService', () => {
  let server: Server | undefined;
  let client: HttpBackupJobService | undefined;
  afterEach(async () => {
    client?.shutdown();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function clientFor(respond: Responder, options: { volumeThreshold?: number } = {}) {
    const started = await serve(respond);
    server = started.server;
    client = new HttpBackupJobService({ baseUrl: started.baseUrl, timeoutMs: 200, ...options });
    return client;
  }

  it('returns the job on 200 and null on 404', async () => {
    const jobs = await clientFor((id) =>
      id === 'job-1' ? { status: 200, body: activeJob } : { status: 404 },
    );
    await expect(jobs.findJob('job-1')).resolves.toEqual(activeJob);
    await expect(jobs.findJob('nope')).resolves.toBeNull();
  });

  it('classifies 5xx and timeouts as transient', async () => {
    const jobs = await clientFor((id) =>
      id === 'slow' ? { status: 200, body: activeJob, delayMs: 1000 } : { status: 503 },
    );
    await expect(jobs.findJob('job-1')).rejects.toMatchObject({
      code: 'DependencyFailed',
      kind: 'transient',
    });
    await expect(jobs.findJob('slow')).rejects.toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/timed out/),
    });
  });

  it('classifies other 4xx as permanent and a malformed job as transient', async () => {
    const jobs = await clientFor((id) =>
      id === 'bad'
        ? { status: 400 }
        : { status: 200, body: { ...activeJob, backupProviderCode: 'Tape' } },
    );
    await expect(jobs.findJob('bad')).rejects.toMatchObject({ kind: 'permanent' });
    await expect(jobs.findJob('job-1')).rejects.toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/malformed/),
    });
  });

  it('reports a refused connection as unavailable', async () => {
    const closed = await serve(() => ({ status: 200 }));
    await new Promise((resolve) => closed.server.close(resolve));
    const jobs = new HttpBackupJobService({ baseUrl: closed.baseUrl, timeoutMs: 500 });
    client = jobs;
    const error = await jobs.findJob('job-1').catch((e: unknown) => e);
    expect(errorKindOf(error)).toBe('unavailable');
  });

  it('opens the circuit after repeated failures and then fails fast as unavailable', async () => {
    let calls = 0;
    const jobs = await clientFor(
      () => {
        calls += 1;
        return { status: 500 };
      },
      { volumeThreshold: 2 },
    );
    for (let i = 0; i < 4; i++) await jobs.findJob('job-1').catch(() => undefined);
    const before = calls;
    await expect(jobs.findJob('job-1')).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'DependencyUnavailable',
    });
    expect(calls).toBe(before);
    expect(jobs.isAvailable()).toBe(false);
  });
});
