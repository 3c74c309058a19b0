import { connect, type ChannelModel } from 'amqplib';
import { deleteBrokerNamespace, namespaceQueueDepths } from './broker-cleanup';
import { testNamespace } from './services';

const amqpUrl = process.env['LINEBACKER_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('deleteBrokerNamespace', () => {
  let connection: ChannelModel;
  const mine = testNamespace('cleanup');
  const neighbour = testNamespace('cleanup');

  beforeAll(async () => {
    connection = await connect(amqpUrl);
  });
  afterAll(async () => {
    await deleteBrokerNamespace(amqpUrl, neighbour);
    await connection.close();
  });

  /** Whether an exchange exists (a passive check closes its channel when it does not). */
  const exchangeExists = async (name: string): Promise<boolean> => {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await channel.checkExchange(name);
      await channel.close();
      return true;
    } catch {
      return false;
    }
  };

  it("deletes the namespace's queues and exchanges, and nothing of another namespace", async () => {
    const channel = await connection.createChannel();
    for (const namespace of [mine, neighbour]) {
      await channel.assertExchange(`${namespace}.events`, 'topic', { durable: true });
      await channel.assertQueue(`${namespace}.work`, { durable: true });
      await channel.assertQueue(`${namespace}.work.dlq`, { durable: true });
    }
    await channel.close();

    expect(await deleteBrokerNamespace(amqpUrl, mine)).toBe(2);

    expect(await namespaceQueueDepths(mine)).toEqual({});
    expect(await exchangeExists(`${mine}.events`)).toBe(false);
    expect(await namespaceQueueDepths(neighbour)).toEqual({
      [`${neighbour}.work`]: 0,
      [`${neighbour}.work.dlq`]: 0,
    });
    expect(await exchangeExists(`${neighbour}.events`)).toBe(true);
  });
});
