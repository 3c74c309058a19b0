import {
  createDatabaseRoles,
  outboxBacklog,
  outcomeViolations,
  PIPELINE_WORKER_APPS,
  pipelineProcessStack,
  startPipeline,
  unfinishedCount,
  type LogLine,
  type ProcessStack,
  type TestDatabaseRoles,
} from '@linebacker/testing';
import { closeE2eEnvironment, openE2eEnvironment, type E2eEnvironment } from './e2e-environment';
import { acceptedRequests, FIXTURE_JOBS, pollUntil, postAll, requestMix } from './traffic';

const REQUESTS = 40;
const APPS = ['http-receiver', ...PIPELINE_WORKER_APPS];
/** Each app's own login (`check-allowed` logs in as `lbt_<hex>_check_allowed`). */
const loginName = (app: string) => app.replace(/-/g, '_');

const failedStart = (line: LogLine) => /could not start/.test(String(line['message']));

describe('the pipeline with every app logged in as its own member of linebacker_app', () => {
  let env: E2eEnvironment;
  let roles: TestDatabaseRoles | undefined;
  let stack: ProcessStack | undefined;

  beforeAll(async () => {
    env = await openE2eEnvironment('leastpriv');
    roles = await createDatabaseRoles(env.database.url, {
      owner: ['owner'],
      app: APPS.map(loginName),
      reader: ['reader'],
    });
  }, 30_000);

  afterAll(async () => {
    await closeE2eEnvironment(env, stack);
    await roles?.drop();
  }, 60_000);

  it('takes requests to a legal end state, each app connected under its own login', async () => {
    const logins = roles as TestDatabaseRoles;
    stack = pipelineProcessStack({
      // Only the simulators keep this URL, and they never connect: an app left without its
      // own login would fail to start rather than run as someone else.
      databaseUrl: 'postgres://nobody@127.0.0.1:9/none',
      amqpUrl: env.broker.url,
      namespace: env.namespace,
      env: { LINEBACKER_QUEUE_TYPE: 'classic', LINEBACKER_SIM_REPLY_DELAY_MS: '20' },
    });
    for (const app of APPS) {
      stack.extendAppEnv(app, { LINEBACKER_DATABASE_URL: logins.url(loginName(app)) });
    }
    // As a deployment does: migrate as the schema owner first, then the apps.
    const endpoints = await startPipeline(stack, {}, { migrationDatabaseUrl: logins.url('owner') });

    const results = await postAll(endpoints.receiverUrl, requestMix(REQUESTS, 'lp'), 8);
    expect(results.filter((r) => r.status !== 202)).toEqual([]);
    const accepted = acceptedRequests(results);
    const ids = accepted.map((r) => r.backupRequestId);
    expect(await pollUntil(async () => (await unfinishedCount(env.db, ids)) === 0, 60_000)).toBe(
      true,
    );
    const { problems, summary } = await outcomeViolations(env.db, accepted, FIXTURE_JOBS);
    expect(problems).toEqual([]);
    expect(summary.Succeeded).toBeGreaterThan(0);
    expect(summary.backups).toBe(summary.Succeeded);
    expect(await pollUntil(async () => (await outboxBacklog(env.db)) === 0, 10_000)).toBe(true);

    // pg_stat_activity tells the apps apart, and none of them runs as anyone else.
    const { rows } = await env.db.query<{ app: string; login: string }>(
      `SELECT DISTINCT application_name AS app, usename AS login FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY 1, 2`,
    );
    expect(rows).toEqual(
      [...APPS].sort().map((app) => ({ app, login: logins.login(loginName(app)) })),
    );
    expect(stack.unexpectedExits()).toEqual([]);
    expect(stack.linesAt('error')).toEqual([]);
  }, 150_000);

  it('refuses to migrate as an app role, and to start an app as the reader, saying why', async () => {
    const running = stack as ProcessStack;
    const logins = roles as TestDatabaseRoles;
    const migrating = await running.runOnce('http-receiver', { LINEBACKER_RUN_MIGRATIONS: 'true' });
    expect(await migrating.exited).toBe(1);
    expect(String((await migrating.waitForLine(failedStart))['message'])).toMatch(
      /migrations refused: permission denied for schema public.*schema's owner/,
    );

    const reading = await running.runOnce('check-allowed', {
      LINEBACKER_DATABASE_URL: logins.url('reader'),
    });
    expect(await reading.exited).toBe(1);
    expect(String((await reading.waitForLine(failedStart))['message'])).toMatch(
      /lacks privileges the apps need: .*INSERT on backup_request.*member of linebacker_app/,
    );
  }, 60_000);
});
