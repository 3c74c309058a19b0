import { persistenceConfig, type Database } from '@linebacker/persistence';
import { createLogger } from '@linebacker/runtime';
import { capturedLines } from '@linebacker/testing';
import { openDatabaseWithRetries } from './open-database';

/** A pool that only counts how often it was closed. */
function fakeDatabase(): Database & { closedTimes: number } {
  const fake = {
    closedTimes: 0,
    close: async () => {
      fake.closedTimes += 1;
    },
  };
  return fake as unknown as Database & { closedTimes: number };
}

function harness() {
  const { lines, stream } = capturedLines();
  const opened: Array<Database & { closedTimes: number }> = [];
  return {
    lines,
    opened,
    logger: createLogger({ service: 'test', stream }),
    settings: persistenceConfig('postgres://app@127.0.0.1:5432/linebacker', {
      applicationName: 'test',
    }),
    open: async () => {
      const database = fakeDatabase();
      opened.push(database);
      return database;
    },
    sleep: async () => undefined,
  };
}

describe('openDatabaseWithRetries', () => {
  it('opens anew when the server goes away while start-up prepares the database', async () => {
    const { lines, logger, open, opened, settings, sleep } = harness();
    let prepared = 0;
    const database = await openDatabaseWithRetries(settings, 5, logger, {
      open,
      sleep,
      prepare: async () => {
        prepared += 1;
        if (prepared === 1) throw new Error('Connection terminated unexpectedly');
      },
    });

    expect(opened).toHaveLength(2);
    expect(database).toBe(opened[1]);
    expect(opened.map((d) => d.closedTimes)).toEqual([1, 0]);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', message: 'database not reachable yet', attempt: 1 }),
    ]);
  });

  it.each([
    ['a statement the server refuses', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['a missing privilege', Object.assign(new Error('permission denied'), { code: '42501' })],
  ])('gives up at once on %s, closing what it opened', async (_, failure) => {
    const { lines, logger, open, opened, settings, sleep } = harness();
    const start = openDatabaseWithRetries(settings, 5, logger, {
      open,
      sleep,
      prepare: () => Promise.reject(failure),
    });

    await expect(start).rejects.toThrow(failure.message);
    expect(opened.map((d) => d.closedTimes)).toEqual([1]);
    expect(lines).toEqual([]);
  });

  it('fails with the last error once its attempts are used up', async () => {
    const { logger, open, opened, settings, sleep } = harness();
    const start = openDatabaseWithRetries(settings, 3, logger, {
      open,
      sleep,
      prepare: () => Promise.reject(new Error('Connection terminated unexpectedly')),
    });

    await expect(start).rejects.toMatchObject({ code: 'DependencyUnavailable' });
    expect(opened.map((d) => d.closedTimes)).toEqual([1, 1, 1]);
  });
});
