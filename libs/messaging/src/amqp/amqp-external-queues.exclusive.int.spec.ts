import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'amqplib';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@linebacker/testing';
import type { RawMessageReport } from '../port/external-queue.port';
import { AmqpTestBroker, consumersByQueue, rabbitmqctl } from '../testing/amqp-test-broker';
import { bundleChild, runChild } from '../testing/child-worker';
import { describeExternalQueueContract } from '../testing/external-queue.contract';
import { parkedQueueName } from '../topology/topology-names';
import { AmqpBackupInterface } from './amqp-backup-interface';
import { AmqpExternalQueueConsumer } from './amqp-external-queue-consumer';

jest.setTimeout(60_000);

describeExternalQueueContract('AmqpExternalQueueConsumer (RabbitMQ)', async () => {
  const broker = await AmqpTestBroker.open('external');
  const queue = `${broker.namespace}.replies`;
  // The queue belongs to the backup interface; here the test declares it like the owner would.
  await broker.deleteAll([], []);
  return {
    send: async (body, messageId) => {
      const connection = await connect(broker.url);
      const channel = await connection.createConfirmChannel();
      await channel.assertQueue(queue, { durable: true });
      channel.sendToQueue(queue, Buffer.from(body), { persistent: true, messageId });
      await channel.waitForConfirms();
      await connection.close();
    },
    parked: async () => {
      const taken = await broker.drain(parkedQueueName(queue));
      for (const m of taken)
        await broker.inject(parkedQueueName(queue), Buffer.from(m.body), m.headers);
      return taken;
    },
    depth: () => broker.depth(queue),
    consumer: (handler, onMessage) =>
      new AmqpExternalQueueConsumer(
        { url: broker.url, queue, observer: { onMessage }, pauseInitialDelayMs: 300 },
        handler,
      ),
    cleanup: async () => {
      await broker.deleteAll([queue, parkedQueueName(queue)], []);
      await broker.close();
    },
  };
});

describe('backup interface queues on RabbitMQ', () => {
  let broker: AmqpTestBroker;
  let requests: string;
  let replies: string;

  beforeEach(async () => {
    broker = await AmqpTestBroker.open('interface');
    requests = `${broker.namespace}.requests`;
    replies = `${broker.namespace}.replies`;
  });
  afterEach(async () => {
    await broker.deleteAll([requests, replies, parkedQueueName(replies)], []);
    await broker.close();
  });

  it('sends each request persistent and confirmed, with message id = backupRequestId', async () => {
    const sender = new AmqpBackupInterface({ url: broker.url, queue: requests });
    await expect(sender.send(request('r-0'))).rejects.toMatchObject({ kind: 'unavailable' });
    await sender.start();
    await sender.send(request('r-1'));
    await sender.stop();
    const connection = await connect(broker.url);
    const channel = await connection.createChannel();
    const message = await channel.get(requests, { noAck: true });
    await connection.close();
    expect(message && message.properties).toMatchObject({ messageId: 'r-1', deliveryMode: 2 });
    expect(message && JSON.parse(message.content.toString())).toEqual(request('r-1'));
  });

  it('keeps consuming replies across a connection cut, re-attached, nothing lost', async () => {
    const done = new Set<string>();
    const reports: RawMessageReport[] = [];
    const consumer = new AmqpExternalQueueConsumer(
      {
        url: broker.url,
        queue: replies,
        reconnectInitialDelayMs: 100,
        observer: { onMessage: (r) => reports.push(r) },
      },
      async (message) => {
        await sleep(5);
        done.add(message.messageId ?? '');
      },
    );
    const sender = new AmqpBackupInterface({
      url: broker.url,
      queue: replies,
      reconnectInitialDelayMs: 100,
    });
    await consumer.start();
    await sender.start();
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      if (i === 60) await rabbitmqctl('close_all_connections', 'test: cut');
      for (;;) {
        try {
          await sender.send(request(`r-${i}`));
          sent.push(`r-${i}`);
          break;
        } catch {
          await sleep(50);
        }
      }
    }
    await waitFor(() => sent.every((id) => done.has(id)), 'every reply handled', 20_000);
    await waitFor(() => consumer.isReady(), 'the consumer ready again');
    expect((await consumersByQueue(broker.namespace))[replies]).toBe(1);
    expect(reports.filter((r) => r.outcome === 'parked')).toEqual([]);
    await sender.stop();
    await consumer.stop(500);
  });
});

function request(id: string) {
  return {
    backupRequestId: id,
    backupJobId: 'job-1',
    dataDate: '2024-02-29',
    preparedDataPathName: '/prepared',
    storagePathName: '/stored',
    backupProviderCode: 'Local' as const,
  };
}

describe('a plain queue message that kills its worker every time (RabbitMQ)', () => {
  const LIMIT = 2;
  let broker: AmqpTestBroker;
  let queue: string;
  let childFile: string;

  beforeAll(() => {
    childFile = bundleChild(
      join(__dirname, '..', 'testing', 'crash-raw-consumer.child.ts'),
      'rawcrash',
    );
  });
  afterAll(() => rmSync(childFile, { force: true }));
  beforeEach(async () => {
    broker = await AmqpTestBroker.open('rawcrash');
    queue = `${broker.namespace}.replies`;
  });
  afterEach(async () => {
    await broker.deleteAll([queue, parkedQueueName(queue)], []);
    await broker.close();
  });

  it('is parked as DeliveryLimitExceeded after the limit, and the messages behind it are handled', async () => {
    const connection = await connect(broker.url);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true }); // classic, as a foreign owner might
    const send = (messageId: string, body: object) =>
      channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), {
        persistent: true,
        messageId,
      });
    send('poison', { crash: true });
    const goods = ['g1', 'g2', 'g3'];
    for (const id of goods) send(id, { crash: false });
    await channel.waitForConfirms();
    await connection.close();

    const env = { LB_URL: broker.url, LB_QUEUE: queue, LB_DELIVERY_LIMIT: String(LIMIT) };
    const lines: string[] = [];
    const goodsDone = (out: string[]) => goods.every((id) => out.includes(`done ${id}`));
    // A counted copy goes back to the tail, so the goods may all be done before it crashes again.
    const parkedDepth = () => broker.depth(parkedQueueName(queue));
    for (let run = 0; run < 8 && !(goodsDone(lines) && (await parkedDepth()) === 1); run++) {
      const result = await runChild(childFile, env, (out) => goodsDone([...lines, ...out]));
      lines.push(...result.lines);
    }
    expect(goodsDone(lines)).toBe(true);
    expect(lines.filter((l) => l === 'crash poison')).toHaveLength(LIMIT + 1);
    const parked = await broker.drain(parkedQueueName(queue));
    expect(parked).toHaveLength(1);
    expect(parked[0]?.headers).toMatchObject({
      'x-linebacker-error-code': 'DeliveryLimitExceeded',
    });
    expect(await broker.depth(queue)).toBe(0);
  });
});
