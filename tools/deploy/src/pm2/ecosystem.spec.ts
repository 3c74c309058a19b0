import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { APP_NODE_FLAGS } from '@linebacker/domain';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import { DEPLOYABLE_APP_SCHEMAS } from '../compose/compose-check';
import { PM2_APPS_FILE, pm2AppsJson } from './pm2-apps';

const ECOSYSTEM = join(WORKSPACE_ROOT, 'tools', 'deploy', 'pm2', 'ecosystem.config.cjs');

interface Pm2App {
  name: string;
  script: string;
  exec_mode: string;
  instances?: number;
  wait_ready: boolean;
  listen_timeout: number;
  kill_timeout: number;
  node_args: string[];
  env: Record<string, string>;
}

/** The ecosystem as PM2 would read it with `env` as the environment of `pm2 start`. */
function ecosystem(env: Record<string, string>): Pm2App[] {
  const saved = process.env;
  process.env = { PATH: saved['PATH'], ...env };
  try {
    let apps: Pm2App[] = [];
    // A fresh module each time: the file reads the environment when it is loaded.
    jest.isolateModules(() => {
      apps = (require(ECOSYSTEM) as { apps: Pm2App[] }).apps;
    });
    return apps;
  } finally {
    process.env = saved;
  }
}

describe('tools/deploy/pm2/ecosystem.config.cjs', () => {
  it('runs every long-running app the image holds (all but migrate), simulators on request', () => {
    const names = ecosystem({ LINEBACKER_PM2_SIMULATORS: 'true' }).map((app) => app.name);
    const deployable = Object.keys(DEPLOYABLE_APP_SCHEMAS).filter((app) => app !== 'migrate');
    expect([...names].sort()).toEqual([...deployable].sort());
    expect(ecosystem({}).map((app) => app.name)).not.toContain('sim-backup-job-service');
  });

  it('waits for readiness and gives every app longer than its stop deadline to exit', () => {
    for (const deadline of [undefined, '30000']) {
      const env: Record<string, string> = deadline ? { LINEBACKER_STOP_DEADLINE_MS: deadline } : {};
      for (const app of ecosystem(env)) {
        const schema = DEPLOYABLE_APP_SCHEMAS[app.name];
        const key =
          schema && Object.values(schema).find((k) => k.env === 'LINEBACKER_STOP_DEADLINE_MS');
        const stopDeadlineMs = Number(deadline ?? key?.default ?? 0);
        expect([app.name, app.wait_ready]).toEqual([app.name, true]);
        expect(app.kill_timeout).toBeGreaterThanOrEqual(stopDeadlineMs + 2000);
        expect(app.listen_timeout).toBeGreaterThanOrEqual(30_000);
      }
    }
  });

  it('runs two of each worker in fork mode, each on its own health port range', () => {
    const apps = ecosystem({ LINEBACKER_PM2_HEALTH_PORT_BASE: '9100' });
    const receiver = apps.find((app) => app.name === 'http-receiver');
    // The receiver's operator listener takes the base port, shared by its cluster instances.
    expect(receiver?.env['LINEBACKER_HEALTH_PORT']).toBe('9100');
    const workers = apps.filter((app) => app.exec_mode === 'fork' && app.name !== 'http-receiver');
    expect(workers).toHaveLength(6);
    expect(workers.every((app) => app.exec_mode === 'fork' && app.instances === 2)).toBe(true);
    const ports = workers.map((app) => Number(app.env['LINEBACKER_HEALTH_PORT']));
    expect(ports).toEqual([9110, 9120, 9130, 9140, 9150, 9160]);
  });

  it('passes each app only the variables its own schema reads, not its own settings', () => {
    const apps = ecosystem({
      LINEBACKER_DATABASE_URL: 'postgres://db/x',
      LINEBACKER_AUTH_TOKENS_FILE: '/run/secrets/clients',
      LINEBACKER_JOB_SERVICE_URL: 'http://jobs',
      LINEBACKER_PM2_WORKER_INSTANCES: '3',
      OTHER: 'x',
    });
    const envOf = (name: string) => apps.find((app) => app.name === name)?.env;
    expect(envOf('http-receiver')).toEqual({
      LINEBACKER_DATABASE_URL: 'postgres://db/x',
      LINEBACKER_AUTH_TOKENS_FILE: '/run/secrets/clients',
      LINEBACKER_HEALTH_PORT: '9100',
    });
    // The receiver's client list never reaches a worker; the job service URL only its users.
    expect(envOf('check-allowed')).toEqual({
      LINEBACKER_DATABASE_URL: 'postgres://db/x',
      LINEBACKER_JOB_SERVICE_URL: 'http://jobs',
      LINEBACKER_HEALTH_PORT: '9110',
    });
    expect(envOf('notifier')).toEqual({
      LINEBACKER_DATABASE_URL: 'postgres://db/x',
      LINEBACKER_HEALTH_PORT: '9150',
    });
  });

  it('runs every app with the Node flags of every app, source maps on', () => {
    for (const app of ecosystem({ LINEBACKER_PM2_SIMULATORS: 'true' }))
      expect([app.name, app.node_args]).toEqual([
        app.name,
        ['--enable-source-maps', ...APP_NODE_FLAGS],
      ]);
  });

  it('reads the apps and their variables as the code has them (regenerate: pm2-apps)', () => {
    expect(readFileSync(join(WORKSPACE_ROOT, PM2_APPS_FILE), 'utf8')).toBe(pm2AppsJson());
  });
});
