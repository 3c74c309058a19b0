import { passThrough } from './database';
import { openTestPersistence, type TestPersistence } from './testing/test-database';

const BACKEND_PID = 'SELECT pg_backend_pid() AS pid';

describe('Database, the pool the running apps use', () => {
  let db: TestPersistence;

  beforeAll(async () => {
    db = await openTestPersistence('database');
    await db.database.query('CREATE TABLE scratch (n int)');
  });
  afterAll(async () => db.stop());

  it("gives the last statement's rows for a text of several statements", async () => {
    const rows = await db.database.withSession((session) =>
      session.rows('SELECT 1 AS first; SELECT 2 AS last'),
    );
    expect(rows).toEqual([{ last: 2 }]);
  });

  it("rolls a transaction back when its work fails, and hands a callback's error on as is", async () => {
    const own = new Error('the callback failed');
    await expect(
      db.database.inTransaction(async (session) => {
        await session.rows('INSERT INTO scratch VALUES (1)');
        await passThrough(() => Promise.reject(own));
      }),
    ).rejects.toBe(own);
    await expect(
      db.database.inTransaction(async (session) => {
        await session.rows('INSERT INTO scratch VALUES (2)');
        await session.rows('SELECT 1 / 0');
      }),
    ).rejects.toMatchObject({ code: 'DatabaseRejected', kind: 'permanent' });
    expect(await db.database.query('SELECT n FROM scratch')).toEqual([]);
  });

  it('closes a connection whose query timed out on the client instead of lending it again', async () => {
    const pool = await db.openPool({ poolSize: 1, queryTimeoutMs: 1000 });
    const [before] = await pool.query<{ pid: number }>(BACKEND_PID);
    await expect(pool.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ kind: 'transient' });
    const [after] = await pool.query<{ pid: number }>(BACKEND_PID);
    expect(after?.pid).not.toBe(before?.pid);
  });
});
