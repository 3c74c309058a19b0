import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { ChannelModel } from 'amqplib';
import { coalesceTurnWrites, socketOf } from './turn-writes';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('coalesceTurnWrites', () => {
  let server: Server;
  let client: Socket;
  let received: Buffer[];

  beforeEach(async () => {
    received = [];
    server = createServer((peer) => peer.on('data', (chunk) => received.push(chunk)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    client = connect({ port, host: '127.0.0.1', noDelay: true });
    await once(client, 'connect');
  });

  afterEach(async () => {
    client.destroy();
    server.close();
    await once(server, 'close');
  });

  const arrived = async (bytes: number): Promise<string> => {
    while (Buffer.concat(received).length < bytes) await nextTurn();
    return Buffer.concat(received).toString();
  };

  it('holds the writes of one turn and sends them together on the next tick, in order', async () => {
    expect(coalesceTurnWrites(client)).toBe(true);
    client.write('one,');
    client.write('two,');
    client.write('three');
    // Nothing has left yet: all 13 bytes wait in the corked socket.
    expect(client.writableCorked).toBe(1);
    expect(client.writableLength).toBe(13);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(client.writableCorked).toBe(0);
    expect(await arrived(13)).toBe('one,two,three');
  });

  it('corks again in a later turn, and leaves an unwrapped socket writing at once', async () => {
    coalesceTurnWrites(client);
    client.write('a');
    await nextTurn();
    expect(client.writableCorked).toBe(0);
    client.write('b');
    expect(client.writableCorked).toBe(1);
    expect(await arrived(2)).toBe('ab');

    const { port } = server.address() as { port: number };
    const plain = connect({ port, host: '127.0.0.1' });
    await once(plain, 'connect');
    plain.write('c');
    expect(plain.writableCorked).toBe(0);
    plain.destroy();
  });

  it('still reports backpressure, and drains once the turn is over', async () => {
    coalesceTurnWrites(client);
    const big = Buffer.alloc(client.writableHighWaterMark + 1, 'x');
    expect(client.write(big)).toBe(false);
    await once(client, 'drain');
    expect((await arrived(big.length)).length).toBe(big.length);
  });

  it('flushes what a turn wrote when the socket is ended in that turn', async () => {
    coalesceTurnWrites(client);
    client.write('last ');
    client.end('words');
    expect(await arrived(10)).toBe('last words');
  });

  it('reports that there is nothing to wrap without a socket', () => {
    expect(coalesceTurnWrites(undefined)).toBe(false);
    expect(socketOf({} as ChannelModel)).toBeUndefined();
    expect(socketOf({ connection: { stream: {} } } as unknown as ChannelModel)).toBeUndefined();
  });
});
