import { AmqpTestBroker } from '../testing/amqp-test-broker';
import { ConnectionSupervisor } from './connection-supervisor';
import { socketOf } from './turn-writes';

jest.setTimeout(30_000);

describe('A supervised connection sends the frames of one turn in one write (RabbitMQ)', () => {
  let broker: AmqpTestBroker;
  let supervisor: ConnectionSupervisor;
  const queue = () => `${broker.namespace}.turn-writes`;

  beforeAll(async () => {
    broker = await AmqpTestBroker.open('turnwrites');
    supervisor = new ConnectionSupervisor({ url: broker.url, connectionName: 'test-turn-writes' });
    await supervisor.start();
  });

  afterAll(async () => {
    await supervisor.stop();
    await broker.deleteAll([queue()], []);
    await broker.close();
  });

  it("finds amqplib 2.x's socket; fifty publishes of one turn leave in one or two flushes", async () => {
    const connection = supervisor.current()?.connection;
    if (!connection) throw new Error('not connected');
    // The socket is where amqplib 2.x keeps it; if an upgrade moves it, coalescing is off.
    const socket = socketOf(connection);
    expect(socket).toBeDefined();
    if (!socket) return;

    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue(), { durable: false });
    // Each flush records how many bytes it sends at once (a spy: the real uncork runs).
    const flushed: number[] = [];
    const uncork = socket.uncork.bind(socket);
    socket.uncork = () => {
      if (socket.writableLength > 0) flushed.push(socket.writableLength);
      uncork();
    };
    const body = Buffer.from('x'.repeat(100));
    for (let n = 0; n < 50; n++) channel.sendToQueue(queue(), body, { messageId: `m${n}` });
    await channel.waitForConfirms();

    // amqplib's muxer writes the fifty publishes in one pass; without coalescing, nothing is
    // ever corked and no flush is recorded at all.
    const publishBytes = flushed.filter((bytes) => bytes >= 10 * body.length);
    expect(publishBytes.length).toBeGreaterThanOrEqual(1);
    expect(publishBytes.length).toBeLessThanOrEqual(2);
    expect(publishBytes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(50 * body.length);
    expect(await broker.depth(queue())).toBe(50);
    await channel.close();
  });
});
