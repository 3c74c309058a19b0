import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The local services every developer machine and CI runs (trust auth, guest/guest). */
export const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const LOCAL_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** A service a test suite uses, and how to let go of it. */
export interface TestService {
  url: string;
  stop(): Promise<void>;
}

/** True when a Docker engine looks reachable (only then is testcontainers tried). */
export function dockerAvailable(): boolean {
  return Boolean(process.env['DOCKER_HOST']) || existsSync('/var/run/docker.sock');
}

const noop = async (): Promise<void> => undefined;

/**
 * PostgreSQL for a test suite: LINEBACKER_DATABASE_URL when set; else a testcontainers
 * PostgreSQL when Docker runs; else the local server. Never a skip: a missing service fails.
 */
export async function postgresForTests(): Promise<TestService> {
  const fromEnv = process.env['LINEBACKER_DATABASE_URL'];
  if (fromEnv) return { url: fromEnv, stop: noop };
  if (dockerAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  }
  return { url: LOCAL_DATABASE_URL, stop: noop };
}

/** RabbitMQ for a test suite, chosen like `postgresForTests`. */
export async function rabbitmqForTests(): Promise<TestService> {
  const fromEnv = process.env['LINEBACKER_AMQP_URL'];
  if (fromEnv) return { url: fromEnv, stop: noop };
  if (dockerAvailable()) {
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const container = await new RabbitMQContainer('rabbitmq:3.13-management-alpine').start();
    return { url: container.getAmqpUrl(), stop: async () => void (await container.stop()) };
  }
  return { url: LOCAL_AMQP_URL, stop: noop };
}

/** A short unique name for one test's queues, databases or schemas. */
export function testNamespace(prefix: string): string {
  return `${prefix.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

/**
 * A fresh database for one test suite, created on the server `postgresForTests` chose and
 * dropped (with its connections) by `stop`. Suites of different projects run in parallel,
 * so none of them shares tables with another.
 */
export async function createTestDatabase(prefix: string): Promise<TestService> {
  const server = await postgresForTests();
  const name = `lbt_${testNamespace(prefix)}`;
  const admin = new Client({ connectionString: server.url, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    await server.stop();
    throw new Error(
      `PostgreSQL is not reachable at ${redactUrl(server.url)}; start it or set ` +
        `LINEBACKER_DATABASE_URL (${(error as Error).message})`,
    );
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: async () => {
      const cleanup = new Client({ connectionString: server.url });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
      await server.stop();
    },
  };
}

/** A setting of the PostgreSQL server behind `url`, as SHOW prints it. */
export async function serverSetting(url: string, name: string): Promise<string> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ setting: string }>(
      'SELECT setting FROM pg_settings WHERE name = $1',
      [name],
    );
    return rows[0]?.setting ?? '';
  } finally {
    await db.end();
  }
}

/** The URL without its password, for error messages. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparseable url>';
  }
}
