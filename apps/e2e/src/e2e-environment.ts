import { Client } from 'pg';
import {
  createTestDatabase,
  deleteBrokerNamespace,
  rabbitmqForTests,
  testNamespace,
  type ProcessStack,
  type TestService,
} from '@linebacker/testing';

/** A fresh database, the shared broker and a namespace of its own, for one suite. */
export interface E2eEnvironment {
  database: TestService;
  broker: TestService;
  /** A connection for the suite's own SQL checks. */
  db: Client;
  namespace: string;
}

/** Creates the database and picks the namespace (nothing is declared on the broker yet). */
export async function openE2eEnvironment(prefix: string): Promise<E2eEnvironment> {
  const database = await createTestDatabase(prefix);
  const broker = await rabbitmqForTests();
  const db = new Client({ connectionString: database.url });
  await db.connect();
  return { database, broker, db, namespace: testNamespace(prefix) };
}

/**
 * Stops whatever the stack still runs, then deletes every queue and exchange of the
 * namespace and drops the database. Each step runs even when an earlier one failed:
 * quorum queues left behind burden the shared broker for good.
 */
export async function closeE2eEnvironment(
  environment: E2eEnvironment | undefined,
  stack: ProcessStack | undefined,
): Promise<void> {
  try {
    await stack?.stopAll(5_000);
  } finally {
    if (environment) {
      const { database, broker, db, namespace } = environment;
      try {
        await db.end().catch(() => undefined);
        await deleteBrokerNamespace(broker.url, namespace);
      } finally {
        await database.stop();
        await broker.stop();
      }
    }
  }
}
