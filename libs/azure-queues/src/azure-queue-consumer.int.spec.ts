import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import type { RawMessageReport } from '@linebacker/messaging';
import { describeExternalQueueContract } from '@linebacker/messaging/testing';
import { PermanentError } from '@linebacker/domain';
import { AzureQueueConsumer, type AzureQueueConsumerConfig } from './azure-queue-consumer';
import { AzurePoisonQueue } from './poison-queue';
import { decodePoison } from './poison-message';
import { decodeMessage, encodeMessage, poisonQueueName } from './queue-connection';
import { Azurite, waitFor } from '@linebacker/testing';

jest.setTimeout(60_000);

let azurite: Azurite;
beforeAll(async () => {
  azurite = await Azurite.start();
});
afterAll(() => azurite.stop());

/** A fresh queue name per test (Azure names: lowercase, digits, hyphens). */
function queueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function client(queue: string): QueueClient {
  return new QueueClient(azurite.connectionString, queue);
}

async function poisoned(queue: string) {
  const { peekedMessageItems } = await client(poisonQueueName(queue)).peekMessages({
    numberOfMessages: 32,
  });
  return peekedMessageItems.map((m) => decodePoison(m.messageText));
}

describeExternalQueueContract('AzureQueueConsumer (Azurite)', async () => {
  const queue = queueName('contract');
  const queueClient = client(queue);
  await queueClient.create();
  // Azure assigns message ids itself: the harness names each message by the id the service
  // gave it, and shows the handler's and the reports' ids under the name the suite chose.
  const names = new Map<string, string>();
  const rename = (id?: string) => (id === undefined ? id : (names.get(id) ?? id));
  return {
    send: async (body, messageId) => {
      const sent = await queueClient.sendMessage(encodeMessage(body));
      if (messageId) names.set(sent.messageId, messageId);
    },
    parked: async () =>
      (await poisoned(queue)).map((p) => ({
        body: decodeMessage(p.messageText).toString(),
        headers: { 'x-linebacker-error-code': p.errorCode, 'x-linebacker-reason': p.reason },
      })),
    depth: async () => (await queueClient.getProperties()).approximateMessagesCount ?? 0,
    consumer: (handler, onMessage) =>
      new AzureQueueConsumer(
        {
          account: { connectionString: azurite.connectionString },
          queue,
          pauseInitialDelayMs: 300,
          pollMaxDelayMs: 200,
          observer: { onMessage: (r) => onMessage({ ...r, messageId: rename(r.messageId) }) },
        },
        (message, signal) => handler({ ...message, messageId: rename(message.messageId) }, signal),
      ),
    cleanup: async () => {
      await queueClient.deleteIfExists();
      await client(poisonQueueName(queue)).deleteIfExists();
    },
  };
});

describe('AzureQueueConsumer on Azurite', () => {
  let queue: string;
  let consumer: AzureQueueConsumer | undefined;
  let reports: RawMessageReport[];

  beforeEach(async () => {
    queue = queueName('replies');
    reports = [];
    await client(queue).create();
  });
  afterEach(async () => {
    await consumer?.stop(500);
    consumer = undefined;
    await client(queue).deleteIfExists();
    await client(poisonQueueName(queue)).deleteIfExists();
  });

  const start = async (
    handler: ConstructorParameters<typeof AzureQueueConsumer>[1],
    overrides: Partial<AzureQueueConsumerConfig> = {},
    clients?: ConstructorParameters<typeof AzureQueueConsumer>[2],
  ) => {
    consumer = new AzureQueueConsumer(
      {
        account: { connectionString: azurite.connectionString },
        queue,
        pollMaxDelayMs: 200,
        pauseInitialDelayMs: 200,
        observer: { onMessage: (r) => reports.push(r) },
        ...overrides,
      },
      handler,
      clients,
    );
    await consumer.start();
    return consumer;
  };

  it('poisons a message received more often than the delivery limit, with the reason', async () => {
    const raw = client(queue);
    await raw.sendMessage(encodeMessage('{"crash":true}'));
    // Two receives whose worker "died": the message reappears after its visibility timeout.
    for (let i = 0; i < 2; i++) {
      await raw.receiveMessages({ visibilityTimeout: 1 });
      await waitFor(
        async () => (await raw.peekMessages()).peekedMessageItems.length === 1,
        'the message visible again',
        5_000,
        100,
      );
    }
    const handled: string[] = [];
    await start(async (m) => void handled.push(m.body.toString()), { deliveryLimit: 2 });
    await waitFor(async () => (await poisoned(queue)).length === 1, 'the poisoned message');
    const [poison] = await poisoned(queue);
    expect(poison).toMatchObject({ errorCode: 'DeliveryLimitExceeded', dequeueCount: 3, queue });
    expect(poison?.reason).toMatch(/received 3 times/);
    expect(decodeMessage(poison?.messageText ?? '').toString()).toBe('{"crash":true}');
    expect(handled).toEqual([]);
    await waitFor(async () => (await raw.getProperties()).approximateMessagesCount === 0, 'empty');
    // healthz shows the approximate depths, the poison queue's too.
    expect(await consumer?.queueDepths()).toEqual({ [queue]: 0, [poisonQueueName(queue)]: 1 });
  });

  it('reads plain-text messages when configured so, and poisons text that is not base64', async () => {
    const seen: string[] = [];
    await start(async (m) => void seen.push(m.body.toString()), { encoding: 'text' });
    await client(queue).sendMessage('{"plain":true}');
    await waitFor(() => seen.length === 1, 'the plain message');
    expect(seen).toEqual(['{"plain":true}']);
    await consumer?.stop(500);
    consumer = undefined;
    await start(async (m) => void seen.push(m.body.toString()));
    await client(queue).sendMessage('not base64 at all!');
    await waitFor(async () => (await poisoned(queue)).length === 1, 'the poisoned message');
    expect((await poisoned(queue))[0]).toMatchObject({ errorCode: 'InvalidEncoding' });
  });

  it('lets an in-flight handler finish on stop, and deletes nothing it did not finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const c = await start(async () => {
      started += 1;
      await gate;
    });
    await client(queue).sendMessage(encodeMessage('{"slow":1}'));
    await waitFor(() => started === 1, 'the handler started');
    const stopping = c.stop(5_000);
    release();
    await stopping;
    consumer = undefined;
    expect(reports.map((r) => r.outcome)).toEqual(['ok']);
    expect((await client(queue).getProperties()).approximateMessagesCount).toBe(0);
  });

  it('polls again as soon as a handler frees its slot, not after the idle delay', async () => {
    for (const n of [1, 2, 3]) await client(queue).sendMessage(encodeMessage(`{"n":${n}}`));
    const seen: string[] = [];
    // One slot and a 30 s idle delay: only the wake of a finished handler can poll again soon.
    await start(async (m) => void seen.push(m.body.toString()), {
      batchSize: 1,
      pollMaxDelayMs: 30_000,
    });
    await waitFor(() => seen.length === 3, 'three messages, one at a time', 5_000);
    expect(seen.sort()).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });

  it('ends its idle wait when stopped, rather than waiting out the delay', async () => {
    await client(queue).sendMessage(encodeMessage('{"n":1}'));
    // The real client, watched: once the message is handled and no receive has run for a
    // while, the loop is in its 30 s idle wait, which only the stop's wake can end sooner.
    const queueClient = client(queue);
    const receive = queueClient.receiveMessages.bind(queueClient);
    let receiving = 0;
    let lastReceiveEnded = 0;
    queueClient.receiveMessages = async (options) => {
      receiving += 1;
      try {
        return await receive(options);
      } finally {
        receiving -= 1;
        lastReceiveEnded = Date.now();
      }
    };
    const c = await start(
      async () => undefined,
      { pollMinDelayMs: 30_000, pollMaxDelayMs: 30_000 },
      { queue: queueClient, poison: client(poisonQueueName(queue)) },
    );
    await waitFor(
      () => reports.length === 1 && receiving === 0 && Date.now() - lastReceiveEnded > 500,
      'the message handled, then the loop idle',
    );
    const began = Date.now();
    await c.stop(10_000);
    consumer = undefined;
    expect(Date.now() - began).toBeLessThan(3_000);
  });

  it('keeps handling after Azurite is killed and restarted, nothing lost', async () => {
    const done = new Set<string>();
    // Deletes that fail during the outage leave messages invisible for the visibility timeout.
    const c = await start(async (m) => void done.add(m.body.toString()), {
      handlerTimeoutMs: 1_000,
      visibilityTimeoutMs: 2_000,
    });
    const raw = client(queue);
    for (let i = 0; i < 20; i++) await raw.sendMessage(encodeMessage(`m-${i}`));
    await waitFor(() => done.size >= 5, 'some handled');
    await azurite.kill();
    await waitFor(() => !c.isReady(), 'the consumer sees the outage', 10_000);
    await azurite.restart();
    await waitFor(() => done.size === 20, 'every message handled', 20_000);
    await waitFor(() => c.isReady(), 'ready again');
  });
});

describe('AzurePoisonQueue (the operator CLI)', () => {
  it('lists poisoned replies with their reasons and replays chosen ones back to the queue', async () => {
    const queue = queueName('parked');
    const connection = { account: { connectionString: azurite.connectionString }, queue };
    await client(queue).create();
    const consumer = new AzureQueueConsumer({ ...connection, pollMaxDelayMs: 200 }, async (m) => {
      if (m.body.toString().startsWith('bad')) throw new PermanentError('InvalidReply', 'bad');
    });
    await consumer.start();
    await client(queue).sendMessage(encodeMessage('bad-1'));
    await client(queue).sendMessage(encodeMessage('bad-2'));
    const poisonQueue = new AzurePoisonQueue(connection);
    await waitFor(async () => (await poisonQueue.list()).length === 2, 'two poisoned');
    await consumer.stop(500);

    const listed = await poisonQueue.list();
    expect(
      listed.map((m) => [m.errorCode, decodeMessage(m.messageText).toString()]).sort(),
    ).toEqual([
      ['InvalidReply', 'bad-1'],
      ['InvalidReply', 'bad-2'],
    ]);
    const first = listed.find((m) => decodeMessage(m.messageText).toString() === 'bad-1');
    const result = await poisonQueue.replay({ ids: [first?.messageId ?? '', 'no-such-id'] });
    expect(result.replayed.map((m) => m.messageId)).toEqual([first?.messageId]);
    expect(result.missing).toEqual(['no-such-id']);
    const { peekedMessageItems } = await client(queue).peekMessages();
    expect(peekedMessageItems.map((m) => decodeMessage(m.messageText).toString())).toEqual([
      'bad-1',
    ]);
    await waitFor(
      async () => (await poisonQueue.list()).length === 1,
      'one left poisoned',
      70_000,
      500,
    );
    await client(queue).deleteIfExists();
    await client(poisonQueueName(queue)).deleteIfExists();
  });
});
