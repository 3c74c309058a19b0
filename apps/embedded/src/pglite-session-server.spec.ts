import { connect as connectSocket, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { waitFor } from '@linebacker/testing';
import { PgliteSessionServer } from './pglite-session-server';

/** One frontend message: type byte, int32 length, body. */
function frame(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}
const cstring = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');
const int16 = (value: number): Buffer => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
const int32 = (value: number): Buffer => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};

/**
 * A wire-protocol client that writes an extended-protocol exchange in two halves, as a client
 * whose TCP segments arrive apart would: Parse and Bind of the unnamed statement and portal,
 * then (later) Execute and Sync. Resolves to the backend's answer to the whole exchange.
 */
async function splitExchange(address: string, between: () => Promise<void>): Promise<string> {
  const [host, port] = address.split(':');
  const socket: Socket = connectSocket(Number(port), host);
  let received = Buffer.alloc(0);
  const readyCount = (): number => {
    let count = 0;
    for (let at = 0; at + 5 <= received.length; at += 1 + received.readInt32BE(at + 1)) {
      if (received[at] === 0x5a) count++;
    }
    return count;
  };
  const waitForReady = (count: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (readyCount() >= count) {
          socket.off('data', onData);
          resolve();
        }
      };
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        check();
      };
      socket.on('data', onData);
      check();
    });
  const startup = Buffer.concat([int32(196608), cstring('user'), cstring('postgres'), cstring('')]);
  socket.write(Buffer.concat([int32(4 + startup.length), startup]));
  await waitForReady(1);
  received = Buffer.alloc(0);
  const value = Buffer.from('41');
  socket.write(
    Buffer.concat([
      frame('P', cstring(''), cstring('SELECT $1::int AS answer'), int16(0)),
      frame(
        'B',
        cstring(''),
        cstring(''),
        int16(0),
        int16(1),
        int32(value.length),
        value,
        int16(0),
      ),
    ]),
  );
  await between();
  socket.write(Buffer.concat([frame('E', cstring(''), int32(0)), frame('S')]));
  await waitForReady(1);
  socket.destroy();
  // The DataRow ('D') carries the answer as text; an ErrorResponse ('E') its message.
  return received.toString('latin1').replace(/[^\x20-\x7e]/g, ' ');
}

describe('PgliteSessionServer', () => {
  let db: PGlite;
  let server: PgliteSessionServer;
  let url: string;
  const clients: pg.Client[] = [];

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec('CREATE TABLE item (id integer PRIMARY KEY, owner text NOT NULL)');
  });

  beforeEach(async () => {
    await db.exec('TRUNCATE item');
    server = new PgliteSessionServer({ db, idleInTransactionTimeoutMs: 500 });
    url = `postgres://postgres@${await server.start()}/postgres`;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
    await server.stop();
  });

  afterAll(() => db.close());

  it('runs a second connection only after the first one’s transaction ended', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('BEGIN');
    await a.query('INSERT INTO item VALUES (1, $1)', ['a']);
    const order: string[] = [];
    const bRead = b.query('SELECT count(*)::int AS n FROM item').then((result) => {
      order.push('b read');
      return result.rows[0].n as number;
    });
    // b's query reaches the server and must wait for a's transaction.
    await waitFor(() => server.waitingCount === 1, "b's read waiting for the session", 5000, 5);
    order.push('a rollback');
    await a.query('ROLLBACK');
    // b never saw a's uncommitted row, and ran after a's transaction ended.
    expect(await bRead).toBe(0);
    expect(order).toEqual(['a rollback', 'b read']);
  });

  it('keeps concurrent extended-protocol exchanges of many connections apart', async () => {
    const connections = await Promise.all(Array.from({ length: 16 }, () => connect()));
    const answers = await Promise.all(
      connections.map(async (client, c) => {
        const values: unknown[] = [];
        // Different parameter counts and types on each connection share the unnamed statement.
        for (let i = 0; i < 25; i++) {
          const result =
            c % 2 === 0
              ? await client.query('SELECT $1::int + $2::int AS v', [c, i])
              : await client.query('SELECT $1::text AS v', [`${c}:${i}`]);
          values.push(result.rows[0].v);
        }
        return values;
      }),
    );
    const expected = connections.map((_, c) =>
      Array.from({ length: 25 }, (_, i) => (c % 2 === 0 ? c + i : `${c}:${i}`)),
    );
    expect(answers).toEqual(expected);
  });

  it('keeps an extended-protocol exchange whose messages arrive apart from the others', async () => {
    const other = await connect();
    const address = url.replace(/^postgres:\/\/postgres@/, '').replace(/\/postgres$/, '');
    let otherAnswer: unknown;
    const answer = await splitExchange(address, async () => {
      // Another connection's exchange arrives between the two halves; it has to wait.
      const pending = other.query('SELECT $1::text || $2::text AS joined', ['a', 'b']);
      await waitFor(() => server.waitingCount === 1, 'the other exchange waiting', 5000, 5);
      otherAnswer = pending.then((result) => result.rows[0].joined);
    });
    expect(answer).toContain('41');
    expect(answer).not.toMatch(/does not exist|bind message supplies/);
    expect(await otherAnswer).toBe('ab');
  });

  it('commits each connection’s transaction whole when many run at once', async () => {
    const connections = await Promise.all(Array.from({ length: 8 }, () => connect()));
    await Promise.all(
      connections.map(async (client, c) => {
        for (let i = 0; i < 10; i++) {
          await client.query('BEGIN');
          await client.query('INSERT INTO item VALUES ($1, $2)', [c * 100 + i, `c${c}`]);
          // Half of them roll back: another connection's COMMIT must not commit them.
          await client.query(i % 2 === 0 ? 'COMMIT' : 'ROLLBACK');
        }
      }),
    );
    const rows = await db.query<{ owner: string; n: number }>(
      'SELECT owner, count(*)::int AS n FROM item GROUP BY owner ORDER BY owner',
    );
    expect(rows.rows).toEqual(connections.map((_, c) => ({ owner: `c${c}`, n: 5 })));
  });

  it('rolls back the transaction of a connection that went away and serves the rest', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('BEGIN');
    await a.query('INSERT INTO item VALUES (1, $1)', ['a']);
    const bRead = b.query('SELECT count(*)::int AS n FROM item');
    const gone = new Promise((resolve) => a.once('end', resolve));
    // The client dies without a word, as a crashed process would.
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await gone;
    expect((await bRead).rows[0].n).toBe(0);
    expect(db.isInTransaction()).toBe(false);
  });

  it('closes a connection idle inside its transaction past the timeout', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('BEGIN');
    await a.query('INSERT INTO item VALUES (1, $1)', ['a']);
    // a never ends its transaction; b gets the session once the 500 ms timeout closes a.
    expect((await b.query('SELECT count(*)::int AS n FROM item')).rows[0].n).toBe(0);
    await expect(a.query('COMMIT')).rejects.toThrow();
  });
});
