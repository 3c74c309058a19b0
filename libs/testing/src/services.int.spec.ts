import { Client } from 'pg';
import { createTestDatabase, redactUrl, testNamespace } from './services';

describe('test services', () => {
  it('creates a database of its own and drops it again', async () => {
    const db = await createTestDatabase('selftest');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    await client.end();
    expect(rows[0].name).toMatch(/^lbt_selftest_[0-9a-f]{8}$/);
    await db.stop();
    const check = new Client({ connectionString: db.url });
    await expect(check.connect()).rejects.toThrow(/does not exist/);
  });

  it('makes namespaces unique per call', () => {
    expect(testNamespace('a-b')).not.toEqual(testNamespace('a-b'));
    expect(testNamespace('a-b')).toMatch(/^ab_[0-9a-f]{8}$/);
  });

  it('redacts passwords from URLs', () => {
    expect(redactUrl('amqp://user:secret@host:5672')).toBe('amqp://user:***@host:5672');
  });
});
