import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestDatabase,
  deleteBrokerNamespace,
  PIPELINE_WORKER_APPS,
  rabbitmqForTests,
  testNamespace,
  WORKSPACE_ROOT,
  type TestService,
  waitFor,
} from '@linebacker/testing';
import { copyBundles } from './bundle-copy';
import { Pm2, type Pm2Process } from './pm2-cli';
import { freePortRange } from './ports';

const run = promisify(execFile);
const ECOSYSTEM = join(WORKSPACE_ROOT, 'tools', 'deploy', 'pm2', 'ecosystem.config.cjs');
const HEALTHCHECK = join(WORKSPACE_ROOT, 'docker', 'healthcheck.cjs');
const WORKERS = PIPELINE_WORKER_APPS;
const INSTANCES: Record<string, number> = {
  'http-receiver': 2,
  ...Object.fromEntries(WORKERS.map((app) => [app, 2])),
  'sim-backup-job-service': 1,
  'sim-backup-interface': 1,
};

const TOKEN = 'pm2-test-client-token-0123456789abcdef';
const tokensFile = join(mkdtempSync(join(tmpdir(), 'lb-pm2-tokens-')), 'clients.json');
writeFileSync(
  tokensFile,
  JSON.stringify([
    {
      requesterId: 'pm2-test',
      token: TOKEN,
      scopes: ['post-backup-request'],
      jobs: '*',
      locations: '*',
    },
  ]),
);

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number) {
  let value: T | undefined;
  await waitFor(async () => (value = await probe()) !== undefined, what, timeoutMs, 500);
  return value as T;
}

/** One app's merged PM2 log (all its instances): each line must be one JSON object. */
function logLines(process: Pm2Process): Record<string, unknown>[] {
  return readFileSync(process.pm2_env.pm_out_log_path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the PM2 ecosystem', () => {
  let database: TestService;
  let broker: TestService;
  let pm2: Pm2;
  let namespace: string;
  let base: number;
  let bundles: string | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('pm2');
    broker = await rabbitmqForTests();
    namespace = testNamespace('pm2');
    base = await freePortRange(70);
    bundles = await copyBundles([...Object.keys(INSTANCES), 'migrate'], `pm2-${namespace}`);
    pm2 = new Pm2(mkdtempSync(join(tmpdir(), 'linebacker-pm2-')), {
      LINEBACKER_DATABASE_URL: database.url,
      LINEBACKER_AMQP_URL: broker.url,
      LINEBACKER_NAMESPACE: namespace,
      // Classic queues: this checks process management, and quorum queues cost the shared broker.
      LINEBACKER_QUEUE_TYPE: 'classic',
      LINEBACKER_DB_POOL_SIZE: '3',
      LINEBACKER_INTERFACE_AMQP_URL: broker.url,
      LINEBACKER_INTERFACE_REQUEST_QUEUE: `${namespace}.backup-interface.requests`,
      LINEBACKER_INTERFACE_REPLY_QUEUE: `${namespace}.backup-interface.replies`,
      // base itself is the receiver's operator listener (LINEBACKER_PM2_HEALTH_PORT_BASE).
      LINEBACKER_HTTP_PORT: String(base + 1),
      LINEBACKER_SIM_JOBS_PORT: String(base + 2),
      LINEBACKER_SIM_INTERFACE_PORT: String(base + 3),
      LINEBACKER_JOB_SERVICE_URL: `http://127.0.0.1:${base + 2}`,
      // The deployment runs with client tokens, never open (the ecosystem passes them on).
      LINEBACKER_AUTH_MODE: 'static-tokens',
      LINEBACKER_AUTH_TOKENS_FILE: tokensFile,
      LINEBACKER_SIM_FAILED_SHARE: '0',
      LINEBACKER_PM2_HEALTH_PORT_BASE: String(base),
      LINEBACKER_PM2_SIMULATORS: 'true',
      LINEBACKER_PM2_DIST: bundles,
    });
    // The deployment's order: migrate (exits 0 once the schema is current), then start.
    await run(process.execPath, [join(bundles, 'migrate', 'main.js')], {
      env: { ...process.env, LINEBACKER_DATABASE_URL: database.url },
    });
    await pm2.run(['start', ECOSYSTEM]);
  }, 180_000);

  afterAll(async () => {
    try {
      await pm2?.kill();
    } finally {
      if (pm2) rmSync(pm2.home, { recursive: true, force: true });
      if (bundles) rmSync(bundles, { recursive: true, force: true });
      await deleteBrokerNamespace(broker.url, namespace);
      await database?.stop();
      await broker?.stop();
    }
  }, 240_000);

  it('runs every app with its instance count, each online after reporting ready', async () => {
    const online = await eventually(
      'every process online',
      async () => {
        const list = await pm2.list();
        const total = Object.values(INSTANCES).reduce((sum, n) => sum + n, 0);
        return list.length === total && list.every((p) => p.pm2_env.status === 'online')
          ? list
          : undefined;
      },
      120_000,
    );
    for (const [app, count] of Object.entries(INSTANCES)) {
      const instances = online.filter((p) => p.name === app);
      expect(instances).toHaveLength(count);
      // Every instance logged its own readiness (the line comes just before process.send).
      const ready = logLines(instances[0] as Pm2Process).filter((l) => l['outcome'] === 'ready');
      expect(new Set(ready.map((line) => line['instance'])).size).toBe(count);
    }
    expect(
      online.filter((p) => p.name === 'http-receiver').map((p) => p.pm2_env.exec_mode),
    ).toEqual(['cluster_mode', 'cluster_mode']);
    expect(online.every((p) => p.pm2_env.restart_time === 0)).toBe(true);
  }, 150_000);

  it('takes a request from the HTTP API to Succeeded', async () => {
    const api = `http://127.0.0.1:${base + 1}/api/backup-requests`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const posted = await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        apiVersion: '2022-05-22',
        backupJobId: 'job-active-local',
        dataDate: '2024-02-29',
        backupDataLocation: '/data/prepared/2024-02-29',
      }),
    });
    expect(posted.status).toBe(202);
    const { backupRequestId } = (await posted.json()) as { backupRequestId: string };
    const status = await eventually(
      'the request to end',
      async () => {
        const response = await fetch(`${api}/${backupRequestId}`, { headers });
        const body = (await response.json()) as { statusTypeCode?: string };
        return ['Succeeded', 'Failed', 'NotAllowed'].includes(String(body.statusTypeCode))
          ? body.statusTypeCode
          : undefined;
      },
      60_000,
    );
    expect(status).toBe('Succeeded');
  }, 90_000);

  it('answers the image health check of each app on the port the layout gives it', async () => {
    const probe = (env: Record<string, string>) =>
      run(process.execPath, [HEALTHCHECK], { env: { ...process.env, ...env } }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    expect(
      await probe({ LINEBACKER_APP: 'http-receiver', LINEBACKER_HTTP_PORT: String(base + 1) }),
    ).toBe(0);
    for (const [index, app] of WORKERS.entries()) {
      for (const instance of [0, 1]) {
        const port = String(base + 10 * (index + 1) + instance);
        expect([app, await probe({ LINEBACKER_APP: app, LINEBACKER_HEALTH_PORT: port })]).toEqual([
          app,
          0,
        ]);
      }
    }
    // Nothing listens there: unhealthy.
    expect(
      await probe({ LINEBACKER_APP: 'notifier', LINEBACKER_HEALTH_PORT: String(base + 69) }),
    ).toBe(1);
  }, 60_000);

  it('scales a stage with `pm2 scale`: the new instance takes the next health port', async () => {
    await pm2.run(['scale', 'check-allowed', '3']);
    let seen = '';
    const scaled = await eventually(
      'a third check-allowed online',
      async () => {
        const instances = (await pm2.list()).filter((p) => p.name === 'check-allowed');
        seen = instances.map((p) => p.pm2_env.status).join(', ');
        return instances.length === 3 && instances.every((p) => p.pm2_env.status === 'online')
          ? instances
          : undefined;
      },
      // A new instance connects, declares the topology and attaches its consumers before it
      // reports ready; on a busy CI machine that once took longer than a minute.
      150_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)} (check-allowed instances: ${seen})`);
    });
    const ports = scaled
      .map((p) => Number(p.pm2_env.env?.['LINEBACKER_HEALTH_PORT']))
      .sort((a, b) => a - b);
    expect(ports).toEqual([base + 10, base + 11, base + 12]);
    const ready = await fetch(`http://127.0.0.1:${base + 12}/readyz`);
    expect(ready.status).toBe(200);
  }, 180_000);

  it('stops an app gracefully on `pm2 stop`: each instance logs its stop and exits 0', async () => {
    await pm2.run(['stop', 'notifier']);
    const stopped = (await pm2.list()).filter((p) => p.name === 'notifier');
    expect(stopped.map((p) => p.pm2_env.status)).toEqual(['stopped', 'stopped']);
    const lines = logLines(stopped[0] as Pm2Process);
    const stopping = lines.filter((line) => line['outcome'] === 'stopping');
    // PM2's stop signal (PM2_KILL_SIGNAL, SIGINT by default); the apps stop the same on SIGTERM.
    expect(stopping.map((line) => line['signal'])).toEqual(['SIGINT', 'SIGINT']);
    expect(lines.filter((line) => line['outcome'] === 'stopped')).toHaveLength(2);
    expect(lines.filter((line) => line['level'] === 'error')).toEqual([]);
  }, 60_000);
});
