import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countErrorKind, ERROR_KINDS_KEPT, Poster, postBatch } from './http-load';

/** A local receiver stand-in: answers every POST 202 with an id, or 503 when told to. */
interface CountingServer {
  url: string;
  posts: number;
  server: Server;
}

async function countingServer(name: string, status = 202): Promise<CountingServer> {
  const counting: CountingServer = { url: '', posts: 0, server: createServer() };
  counting.server.on('request', (req, res) => {
    req.resume();
    req.on('end', () => {
      counting.posts += 1;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ backupRequestId: `${name}-${counting.posts}` }));
    });
  });
  await new Promise<void>((resolve) => counting.server.listen(0, '127.0.0.1', resolve));
  const { port } = counting.server.address() as AddressInfo;
  counting.url = `http://127.0.0.1:${port}/api/backup-requests`;
  return counting;
}

describe('postBatch', () => {
  const servers: CountingServer[] = [];
  const posters: Poster[] = [];
  afterEach(async () => {
    for (const poster of posters.splice(0)) poster.close();
    await Promise.all(
      servers.splice(0).map((s) => new Promise((resolve) => s.server.close(resolve))),
    );
  });
  const start = async (name: string, status?: number): Promise<Poster> => {
    const server = await countingServer(name, status);
    servers.push(server);
    const poster = new Poster(server.url, 8);
    posters.push(poster);
    return poster;
  };

  it('spreads its lanes evenly over the receivers and collects every accepted id', async () => {
    const all = [await start('a'), await start('b')];
    const { ids, errors } = await postBatch(all, 200, 8, 'spread');
    expect(errors).toBe(0);
    expect(new Set(ids).size).toBe(200);
    // Four lanes each, taking the next body as each call returns: about half each.
    expect(servers.map((s) => s.posts).reduce((a, b) => a + b, 0)).toBe(200);
    for (const server of servers) expect(server.posts).toBeGreaterThanOrEqual(60);
  });

  it('posts everything to a single receiver', async () => {
    const { ids } = await postBatch([await start('only')], 50, 4, 'one');
    expect(ids).toHaveLength(50);
    expect(servers[0]?.posts).toBe(50);
  });

  it('counts an answer other than 202 as an error', async () => {
    const { ids, errors } = await postBatch(
      [await start('ok'), await start('busy', 503)],
      40,
      2,
      'mixed',
    );
    expect(ids.length + errors).toBe(40);
    expect(errors).toBe(servers[1]?.posts);
    expect(errors).toBeGreaterThan(0);
  });

  it('with a pace, starts call k no earlier than k / pace seconds after the first', async () => {
    const poster = await start('paced');
    const arrivals: number[] = [];
    servers[0]?.server.prependListener('request', () => arrivals.push(performance.now()));
    const startedAt = performance.now();
    // 41 calls at 200/s: the last one's slot is 200 ms after the first. Unpaced, eight lanes
    // post all of them to a local server within a few tens of ms.
    const { ids } = await postBatch([poster], 41, 8, 'paced', 200);
    expect(ids).toHaveLength(41);
    arrivals.sort((a, b) => a - b);
    arrivals.forEach((at, k) => expect(at - startedAt).toBeGreaterThanOrEqual(k * 5));
  });

  it('refuses an empty list of receivers', async () => {
    await expect(postBatch([], 1, 1, 'none')).rejects.toThrow('no receiver');
  });
});

describe('Poster', () => {
  it('closes an idle socket before the server announced it would', async () => {
    // The server announces `Keep-Alive: timeout=3`: the agent should close the idle socket at
    // 2 s; left to the server, it closes after 3 s (4 s measured on Node 20).
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(202).end('{}'));
    });
    server.keepAliveTimeout = 3000;
    const closedAfter = new Promise<number>((resolve) =>
      server.on('connection', (socket) => {
        let answered = 0;
        socket.on('data', () => (answered = Date.now()));
        socket.on('close', () => resolve(Date.now() - answered));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const poster = new Poster(`http://127.0.0.1:${port}/x`, 1);
    try {
      expect((await poster.post('{}')).status).toBe(202);
      const idle = await closedAfter;
      expect(idle).toBeGreaterThan(1500);
      expect(idle).toBeLessThan(3000);
    } finally {
      poster.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('countErrorKind', () => {
  it('counts by status and first line, and keeps only the first kinds', () => {
    const kinds: Record<string, number> = {};
    countErrorKind(kinds, { status: -1, body: 'Error: socket hang up\n    at stack' });
    countErrorKind(kinds, { status: -1, body: 'Error: socket hang up' });
    countErrorKind(kinds, { status: 503, body: '{"code":"DependencyUnavailable"}' });
    expect(kinds).toEqual({
      '-1 Error: socket hang up': 2,
      '503 {"code":"DependencyUnavailable"}': 1,
    });
    for (let i = 0; i < 10; i++) countErrorKind(kinds, { status: 500 + i, body: '' });
    expect(Object.keys(kinds)).toHaveLength(ERROR_KINDS_KEPT);
    countErrorKind(kinds, { status: 503, body: '{"code":"DependencyUnavailable"}' });
    expect(kinds['503 {"code":"DependencyUnavailable"}']).toBe(2);
  });
});
