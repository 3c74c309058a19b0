import { describe, expect, it } from '@jest/globals';
import { SERVICES } from '@linebacker/domain';
import { deleteBrokerNamespace } from './broker-cleanup';
import { createTestDatabase, rabbitmqForTests, testNamespace } from './services';
import { startBundle, type LogLine } from './bundle-process';
import { modulesOf, recordLoadedModules } from './loaded-modules';

/** The environment a pipeline app needs besides database and broker (job service URL, queues). */
export type ExtraEnv = (namespace: string) => Record<string, string>;

const isReady = (line: LogLine) => line['outcome'] === 'ready';

/**
 * The wiring checks every pipeline app shares, run against its real bundle: a bad config
 * exits 1 naming the problem; an unreachable database exits 1 after bounded retries; with
 * the real services it starts, reports ready on its health port, and stops with exit 0,
 * never having loaded the Azure SDK, which only the Azure transport needs (ADR 0112), nor
 * TypeORM, which only migrating needs (ADR 0407), nor, unless it is the HTTP receiver,
 * Fastify, which only the public API needs (ADR 0008).
 */
export function describeAppWiring(app: string, extraEnv: ExtraEnv = () => ({})): void {
  describe(`${app} process`, () => {
    it('exits 1 naming every missing setting', async () => {
      const child = startBundle(app, {
        LINEBACKER_DATABASE_URL: '',
        LINEBACKER_AMQP_URL: 'http://x',
      });
      expect(await child.exited).toBe(1);
      const failure = await child.waitForLine((line) => line['outcome'] === 'bad-config');
      expect(String(failure['message'])).toMatch(/LINEBACKER_DATABASE_URL is required/);
      expect(String(failure['message'])).toMatch(
        /LINEBACKER_AMQP_URL="http:\/\/x": protocol must be one of amqp/,
      );
    });

    it('exits 1 with the reason when the database stays unreachable', async () => {
      const child = startBundle(app, {
        ...extraEnv(testNamespace(app)),
        LINEBACKER_DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
        LINEBACKER_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
        LINEBACKER_STARTUP_ATTEMPTS: '2',
      });
      expect(await child.exited).toBe(1);
      const failure = await child.waitForLine((line) => line['outcome'] === 'start-failed');
      expect(String(failure['message'])).toMatch(
        new RegExp(`${app} could not start: .*postgresql`),
      );
    }, 30_000);

    it('starts against the real services, reports ready and stops cleanly on SIGTERM', async () => {
      const database = await createTestDatabase(app);
      const broker = await rabbitmqForTests();
      const namespace = testNamespace(app);
      // The schema comes from the migrate step, as in a deployment.
      const migrate = startBundle('migrate', { LINEBACKER_DATABASE_URL: database.url });
      expect(await migrate.exited).toBe(0);
      const loaded = recordLoadedModules();
      const child = startBundle(app, {
        ...loaded.env,
        ...extraEnv(namespace),
        LINEBACKER_DATABASE_URL: database.url,
        LINEBACKER_AMQP_URL: broker.url,
        LINEBACKER_NAMESPACE: namespace,
        // Classic queues: this checks wiring, and quorum queues are costly to create by the dozen.
        LINEBACKER_QUEUE_TYPE: 'classic',
        LINEBACKER_HEALTH_PORT: '0',
        LINEBACKER_HTTP_PORT: '0',
      });
      try {
        await child.waitForLine(isReady, 30_000);
        const port = child.lines.find((line) => line['message'] === 'health port listening')?.[
          'port'
        ];
        const listening = child.lines.find((line) => line['message'] === 'listening')?.['address'];
        const base = port ? `http://127.0.0.1:${String(port)}` : `${String(listening)}/api/zpages`;
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        if (port) {
          // A worker's healthz names the node its broker connection is on, never the password.
          const healthz = await (await fetch(`${base}/healthz`)).text();
          const node = new URL(broker.url);
          expect(JSON.parse(healthz)).toMatchObject({
            ready: true,
            service: app,
            brokerConnections: {
              events: { node: `${node.hostname}:${node.port || '5672'}`, failovers: 0 },
            },
          });
          if (node.password) expect(healthz).not.toContain(decodeURIComponent(node.password));
        }
      } finally {
        // Clean up before asserting on the exit code, so a failure never leaves queues behind.
        const exitCode = await child.stop();
        await deleteBrokerNamespace(broker.url, namespace);
        await database.stop();
        await broker.stop();
        expect(exitCode).toBe(0);
      }
      // A clean start and a deliberate stop are not worth a warning, let alone an error.
      expect(
        child.lines.filter((line) => line['level'] === 'error' || line['level'] === 'warn'),
      ).toEqual([]);
      // On AMQP the Azure SDK is never loaded (it costs ~25 MB RSS); amqplib shows the
      // record is the process's.
      const modules = loaded.read();
      expect(modulesOf(modules, 'amqplib')).not.toEqual([]);
      expect(modulesOf(modules, '@azure').slice(0, 3)).toEqual([]);
      // TypeORM applies migrations; a running app loads only the schema's EntitySchema class.
      expect(
        modulesOf(modules, 'typeorm')
          .filter((path) => !path.endsWith('EntitySchema.js'))
          .slice(0, 3),
      ).toEqual([]);
      // A worker's health port is node:http; the API's Fastify and its plugins stay unloaded.
      if (app !== SERVICES.httpReceiver)
        expect(modulesOf(modules, 'fastify').slice(0, 3)).toEqual([]);
    }, 60_000);
  });
}
