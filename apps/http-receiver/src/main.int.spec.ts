import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import {
  Azurite,
  createTestDatabase,
  DEV_KEY,
  deleteBrokerNamespace,
  rabbitmqForTests,
  startBundle,
  testNamespace,
} from '@linebacker/testing';
import { describeAppWiring } from '@linebacker/testing/jest';

const TOKEN = 'wiring-test-token-0123456789abcdefghij';
const tokensFile = join(mkdtempSync(join(tmpdir(), 'lb-receiver-')), 'clients.json');
writeFileSync(
  tokensFile,
  `${JSON.stringify([
    {
      requesterId: 'ops',
      token: TOKEN,
      scopes: ['post-backup-request'],
      jobs: '*',
      locations: '*',
    },
  ])}\n`,
);

/** A receiver on its own database and namespace, both listeners on free ports. */
const listeningEnv = (databaseUrl: string, amqpUrl: string, namespace: string) => ({
  LINEBACKER_DATABASE_URL: databaseUrl,
  LINEBACKER_AMQP_URL: amqpUrl,
  LINEBACKER_NAMESPACE: namespace,
  LINEBACKER_QUEUE_TYPE: 'classic',
  LINEBACKER_RUN_MIGRATIONS: 'true',
  LINEBACKER_HTTP_PORT: '0',
  LINEBACKER_HEALTH_PORT: '0',
  LINEBACKER_AUTH_MODE: 'static-tokens',
  LINEBACKER_AUTH_TOKENS_FILE: tokensFile,
});

describeAppWiring('http-receiver', () => ({
  LINEBACKER_AUTH_MODE: 'static-tokens',
  LINEBACKER_AUTH_TOKENS_FILE: tokensFile,
}));

describe('http-receiver start-up refusals', () => {
  it('refuses to start open unless anonymous access is allowed', async () => {
    const child = startBundle('http-receiver', {
      LINEBACKER_DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
      LINEBACKER_AMQP_URL: 'amqp://guest:guest@127.0.0.1:9',
      LINEBACKER_AUTH_MODE: 'none',
      LINEBACKER_AUTH_ALLOW_ANONYMOUS: '',
    });
    expect(await child.exited).toBe(1);
    const failure = await child.waitForLine((line) => line['outcome'] === 'bad-config');
    expect(String(failure['message'])).toMatch(/LINEBACKER_AUTH_ALLOW_ANONYMOUS=true/);
  }, 30_000);

  it('never prints a planted token or URL password, whatever is wrong', async () => {
    const secrets = [
      'planted-token-zzz-0123456789abcdefghij',
      'planted-db-pa55',
      'planted-mq-pa55',
    ];
    const child = startBundle('http-receiver', {
      LINEBACKER_DATABASE_URL: `mysql://app:${secrets[1]}@127.0.0.1:5432/db`,
      LINEBACKER_AMQP_URL: `amqp://app:${secrets[2]}@127.0.0.1:9`,
      LINEBACKER_AUTH_MODE: 'static-tokens',
      LINEBACKER_AUTH_TOKENS: `[{"requesterId":"a","token":"${secrets[0]}","scopes":"x"}]`,
      LINEBACKER_HTTP_PORT: 'not-a-port',
    });
    expect(await child.exited).toBe(1);
    const output = child.lines.map((line) => JSON.stringify(line)).join('\n');
    expect(output).toMatch(/LINEBACKER_DATABASE_URL/);
    for (const secret of secrets) expect(output).not.toContain(secret);
  }, 30_000);

  it('refuses an Azure account URL without a credential, naming the keys', async () => {
    const child = startBundle('http-receiver', {
      LINEBACKER_DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
      LINEBACKER_AMQP_URL: 'amqp://guest:guest@127.0.0.1:9',
      LINEBACKER_AUTH_MODE: 'static-tokens',
      LINEBACKER_AUTH_TOKENS_FILE: tokensFile,
      LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: 'https://acct.queue.core.windows.net',
    });
    expect(await child.exited).toBe(1);
    const failure = await child.waitForLine((line) => line['outcome'] === 'bad-config');
    expect(String(failure['message'])).toMatch(
      /LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL needs exactly one credential, LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY\(_FILE\)/,
    );
  }, 30_000);
});

const postOne = (api: string) =>
  fetch(`${api}/api/backup-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      apiVersion: '2022-05-22',
      backupJobId: 'job-1',
      dataDate: new Date().toISOString().slice(0, 10),
      backupDataLocation: '/data/x',
    }),
  });

describe('http-receiver listeners', () => {
  it('serves healthz, metrics and OpenAPI on the operator listener only, healthz cached', async () => {
    const database = await createTestDatabase('receiver-listeners');
    const broker = await rabbitmqForTests();
    const namespace = testNamespace('receiver-listeners');
    const child = startBundle('http-receiver', listeningEnv(database.url, broker.url, namespace));
    try {
      const listening = await child.waitForLine((line) => line['message'] === 'listening', 30_000);
      const api = String(listening['address']);
      const operator = String(listening['operatorAddress']);
      expect(operator).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const path of ['/api/zpages/healthz', '/metrics', '/api/openapi.json']) {
        expect({ path, status: (await fetch(`${operator}${path}`)).status }).toEqual({
          path,
          status: 200,
        });
        expect({ path, status: (await fetch(`${api}${path}`)).status }).toEqual({
          path,
          status: 404,
        });
      }
      expect(await (await fetch(`${api}/api/zpages/readyz`)).json()).toEqual({ status: 'ready' });

      // A flood of healthz calls: one round of probes, and intake keeps answering meanwhile.
      const rounds = async () =>
        Number(
          /^linebacker_health_probe_rounds_total\{[^}]*\} (\d+)$/m.exec(
            await (await fetch(`${operator}/metrics`)).text(),
          )?.[1] ?? 0,
        );
      const before = await rounds();
      const flood = Array.from({ length: 200 }, () =>
        fetch(`${operator}/api/zpages/healthz`).then((response) => response.status),
      );
      const duringFlood = postOne(api);
      expect(new Set(await Promise.all(flood))).toEqual(new Set([200]));
      expect((await duringFlood).status).toBe(202);
      expect((await rounds()) - before).toBeLessThanOrEqual(1);
      const posted = await postOne(api);
      expect(posted.status).toBe(202);
      expect(((await posted.json()) as { requesterId: string }).requesterId).toBe('ops');
    } finally {
      await child.stop();
      await deleteBrokerNamespace(broker.url, namespace);
      await database.stop();
      await broker.stop();
    }
  }, 60_000);
});

describe('http-receiver healthz with the interface on Azure Storage Queues', () => {
  it("shows the Azure queues' depths, and them unknown while Azure is down", async () => {
    const azurite = await Azurite.start();
    const database = await createTestDatabase('receiver-azure-depths');
    const broker = await rabbitmqForTests();
    const namespace = testNamespace('receiver-azure-depths');
    const [requests, replies] = ['requests', 'replies'].map((q) => `${q}-${namespace.slice(-8)}`);
    const admin = (queue: string) => new QueueClient(azurite.connectionString, queue);
    for (const queue of [requests, replies, `${replies}-poison`]) await admin(queue).create();
    await admin(requests).sendMessage('e30=');
    await admin(requests).sendMessage('e30=');
    await admin(`${replies}-poison`).sendMessage('e30=');
    const keyFile = join(mkdtempSync(join(tmpdir(), 'lb-receiver-')), 'account-key');
    writeFileSync(keyFile, `${DEV_KEY}\n`);
    const child = startBundle('http-receiver', {
      ...listeningEnv(database.url, broker.url, namespace),
      LINEBACKER_HEALTH_CACHE_MS: '0',
      LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: azurite.accountUrl,
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY_FILE: keyFile,
      LINEBACKER_INTERFACE_AZURE_REQUEST_QUEUE: requests,
      LINEBACKER_INTERFACE_AZURE_REPLY_QUEUE: replies,
    });
    try {
      const listening = await child.waitForLine((line) => line['message'] === 'listening', 30_000);
      const healthz = async () =>
        (await (await fetch(`${listening['operatorAddress']}/api/zpages/healthz`)).json()) as {
          status: string;
          interfaceQueues: Record<string, unknown>;
        };
      expect(await healthz()).toMatchObject({
        status: 'ok',
        interfaceQueues: { [requests]: 2, [replies]: 0, [`${replies}-poison`]: 1 },
      });

      await azurite.kill();
      const started = Date.now();
      const down = await healthz();
      // Bounded by LINEBACKER_HEALTH_TIMEOUT_MS (1 s) plus the round's own work.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(down.status).toBe('ok');
      expect(down.interfaceQueues).toEqual({ error: expect.stringMatching(/ECONNREFUSED/) });
      expect(JSON.stringify(child.lines)).not.toContain(DEV_KEY);
    } finally {
      await child.stop();
      await azurite.stop();
      await deleteBrokerNamespace(broker.url, namespace);
      await database.stop();
      await broker.stop();
    }
  }, 90_000);
});
