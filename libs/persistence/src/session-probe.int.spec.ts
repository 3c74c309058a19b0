import { createTestDatabase, startPgBouncer, type TestService } from '@linebacker/testing';
import { persistenceConfig } from './config/persistence.config';
import { openDatabase } from './database';
import {
  assertSessionPerConnection,
  SharedDatabaseSessionsError,
  StartupParameterRefusedError,
} from './session-probe';

describe('the session check at start-up', () => {
  let database: TestService;
  const bouncers: TestService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('probe');
  });

  afterAll(async () => {
    await Promise.all(bouncers.map((bouncer) => bouncer.stop()));
    await database.stop();
  });

  async function through(
    poolMode: 'session' | 'transaction' | 'statement',
    ignoreStartupParameters = true,
  ): Promise<string> {
    const bouncer = await startPgBouncer(database.url, poolMode, { ignoreStartupParameters });
    bouncers.push(bouncer);
    return bouncer.url;
  }

  it('accepts PostgreSQL itself', async () => {
    await expect(assertSessionPerConnection(persistenceConfig(database.url))).resolves.toBe(
      undefined,
    );
  });

  it('accepts PgBouncer in session mode, and the pool opens through it', async () => {
    const url = await through('session');
    const database = await openDatabase(persistenceConfig(url, { poolSize: 2 }));
    try {
      expect(await database.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  }, 30_000);

  it.each(['transaction', 'statement'] as const)(
    'refuses PgBouncer in %s mode with an error naming pool_mode',
    async (poolMode) => {
      const url = await through(poolMode);
      // Several rounds: the verdict must not depend on which server connection came first.
      for (let round = 0; round < 5; round++) {
        const refused = openDatabase(persistenceConfig(url, { poolSize: 2 }));
        await expect(refused).rejects.toBeInstanceOf(SharedDatabaseSessionsError);
        await expect(refused).rejects.toMatchObject({
          code: 'SharedDatabaseSessions',
          kind: 'permanent',
          message: expect.stringMatching(/share server sessions.*pool_mode = session/),
        });
      }
    },
    30_000,
  );

  it('says which pooler setting to change when PgBouncer refuses the timeouts', async () => {
    const url = await through('session', false);
    const refused = openDatabase(persistenceConfig(url, { poolSize: 2 }));
    await expect(refused).rejects.toBeInstanceOf(StartupParameterRefusedError);
    await expect(refused).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringMatching(/statement_timeout.*ignore_startup_parameters/),
    });
  }, 30_000);
});
