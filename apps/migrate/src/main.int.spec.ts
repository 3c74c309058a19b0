import { describe, expect, it } from '@jest/globals';
import { ALL_MIGRATIONS } from '@linebacker/persistence';
import {
  createTestDatabase,
  serverSetting,
  startBundle,
  startPgBouncer,
  type LogLine,
} from '@linebacker/testing';

const migrated = (line: LogLine) => line['outcome'] === 'migrated';

describe('migrate process', () => {
  it('applies every migration to a fresh database, then finds nothing to do', async () => {
    const database = await createTestDatabase('migrate');
    try {
      const first = startBundle('migrate', { LINEBACKER_DATABASE_URL: database.url });
      expect(await first.exited).toBe(0);
      expect((await first.waitForLine(migrated))['applied']).toHaveLength(ALL_MIGRATIONS.length);
      // It warns exactly when the server leaves its tables unanalyzed (this machine's does):
      // autovacuum or the statistics it needs switched off.
      const warned = first.lines.some((line) => line['outcome'] === 'statistics-not-kept');
      const settings = [
        await serverSetting(database.url, 'autovacuum'),
        await serverSetting(database.url, 'track_counts'),
      ];
      expect(warned).toBe(settings.includes('off'));

      const second = startBundle('migrate', { LINEBACKER_DATABASE_URL: database.url });
      expect(await second.exited).toBe(0);
      expect((await second.waitForLine(migrated))['applied']).toEqual([]);
    } finally {
      await database.stop();
    }
  }, 60_000);

  it('exits 1 naming a missing database URL, before connecting to anything', async () => {
    const child = startBundle('migrate', { LINEBACKER_DATABASE_URL: '' });
    expect(await child.exited).toBe(1);
    const failure = await child.waitForLine((line) => line['outcome'] === 'bad-config');
    expect(String(failure['message'])).toMatch(/LINEBACKER_DATABASE_URL is required/);
  }, 30_000);

  it('exits 1 with the reason when the database stays unreachable', async () => {
    const child = startBundle('migrate', {
      LINEBACKER_DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
      LINEBACKER_STARTUP_ATTEMPTS: '2',
    });
    expect(await child.exited).toBe(1);
    const failure = await child.waitForLine((line) => line['outcome'] === 'migrate-failed');
    expect(String(failure['message'])).toMatch(/migrate failed: .*postgresql/i);
  }, 30_000);

  it('refuses at once a pooler that shares sessions, naming the setting', async () => {
    const database = await createTestDatabase('migrate-bouncer');
    const bouncer = await startPgBouncer(database.url, 'transaction');
    try {
      const child = startBundle('migrate', {
        LINEBACKER_DATABASE_URL: bouncer.url,
        LINEBACKER_STARTUP_ATTEMPTS: '10',
      });
      expect(await child.exited).toBe(1);
      const failure = await child.waitForLine((line) => line['outcome'] === 'migrate-failed');
      expect(String(failure['message'])).toMatch(/share server sessions.*pool_mode = session/);
      // A permanent refusal is not retried: no 'database not reachable yet' lines.
      expect(child.lines.filter((line) => /not reachable/.test(String(line['message'])))).toEqual(
        [],
      );
    } finally {
      await bouncer.stop();
      await database.stop();
    }
  }, 30_000);
});
