import {
  AmqpQueuePublisher,
  type RawMessageHandler,
  type RawMessageReport,
} from '@linebacker/messaging';
import { parseInterfaceReply, replyConsumerFor } from '@linebacker/pipeline';
import {
  deleteBrokerNamespace,
  modulesOf,
  publishToQueue,
  rabbitmqForTests,
  recordLoadedModules,
  testNamespace,
  waitFor,
  type TestService,
} from '@linebacker/testing';
import { loadCliConfig } from './config';
import { runCli } from './testing/run-cli';

// A dozen runs of the bundle, about a second each.
jest.setTimeout(90_000);

interface Listed {
  poisonId: string;
  messageId: string | null;
  errorCode: string;
  reason: string;
  parkedAt: string;
  dequeueCount: number;
  body: string;
}

describe('linebacker interface-replies (AMQP parked queue)', () => {
  let broker: TestService;
  let namespace: string;
  let replyQueue: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    broker = await rabbitmqForTests();
    namespace = testNamespace('cliparked');
    replyQueue = `${namespace}.replies`;
    env = {
      LINEBACKER_INTERFACE_TRANSPORT: 'amqp',
      LINEBACKER_INTERFACE_AMQP_URL: broker.url,
      LINEBACKER_INTERFACE_REPLY_QUEUE: replyQueue,
    };
  });

  afterAll(async () => {
    await deleteBrokerNamespace(broker.url, namespace);
    await broker?.stop();
  });

  /**
   * Runs the interface-receiver's consumer of the reply queue, as its app composes it, until
   * `count` messages had an outcome, then stops it.
   */
  async function consumeReplies(handler: RawMessageHandler, count: number): Promise<string[]> {
    const outcomes: string[] = [];
    const consumer = replyConsumerFor(loadCliConfig(env))(handler, {
      onMessage: (report: RawMessageReport) => void outcomes.push(report.outcome),
    });
    await consumer.start();
    try {
      await waitFor(() => outcomes.length >= count, `${count} handled replies`, 15_000);
    } finally {
      await consumer.stop(1000);
    }
    return outcomes;
  }

  const cli = (...args: string[]) => runCli(['interface-replies', ...args], env);
  const list = async (): Promise<Listed[]> => {
    const run = await cli('list', '--json');
    expect([run.code, run.stderr]).toEqual([0, '']);
    return JSON.parse(run.stdout) as Listed[];
  };

  it('lists parked replies in place and replays them to the reply queue', async () => {
    // Three replies the interface-receiver cannot parse: two with a message id, one without.
    const sender = new AmqpQueuePublisher({ url: broker.url, queue: replyQueue });
    await sender.start();
    await sender.sendJson({ not: 'a reply' }, 'm-1');
    await sender.sendJson('garbage', 'm-2');
    await sender.stop();
    await publishToQueue(broker.url, replyQueue, Buffer.from('not json'));
    const parking = await consumeReplies(async (message) => {
      parseInterfaceReply(message.body); // what the interface-receiver does first
    }, 3);
    expect(parking).toEqual(['parked', 'parked', 'parked']);

    const listed = await list();
    expect(listed).toEqual([
      expect.objectContaining({ messageId: 'm-1', body: '{"not":"a reply"}' }),
      expect.objectContaining({ messageId: 'm-2', body: '"garbage"' }),
      expect.objectContaining({ messageId: null, body: 'not json' }),
    ]);
    for (const reply of listed) {
      expect(reply).toMatchObject({ errorCode: 'InvalidInterfaceReply', dequeueCount: 1 });
      expect(reply.reason).not.toBe('');
      expect(Date.parse(reply.parkedAt)).not.toBeNaN();
    }
    expect(await list()).toEqual(listed);

    const bare = await cli('replay');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--id <id...> or --all');

    const one = await cli('replay', '--id', 'm-1', '--json');
    expect([one.code, JSON.parse(one.stdout)]).toEqual([0, { replayed: ['m-1'], missing: [] }]);
    expect(one.stderr).toContain('"audit":"interface-replies.replay"');
    expect((await list()).map((r) => r.messageId)).toEqual(['m-2', null]);

    const noId = listed[2]?.poisonId ?? 'absent';
    const partly = await cli('replay', '--id', noId, 'nope', '--json');
    expect(partly.code).toBe(3);
    expect(JSON.parse(partly.stdout)).toEqual({ replayed: [noId], missing: ['nope'] });

    const rest = await cli('replay', '--all');
    expect([rest.code, rest.stdout]).toEqual([0, `replayed 1 poisoned replies to ${replyQueue}\n`]);
    const empty = await cli('list');
    expect([empty.code, empty.stdout]).toEqual([
      0,
      `no poisoned replies in ${replyQueue}.parked\n`,
    ]);

    // The interface-receiver gets each reply once, with its body and message id.
    const received: Array<[string | undefined, string]> = [];
    await consumeReplies(async (message) => {
      received.push([message.messageId, message.body.toString('utf8')]);
    }, 3);
    expect(received).toEqual([
      ['m-1', '{"not":"a reply"}'],
      [undefined, 'not json'],
      ['m-2', '"garbage"'],
    ]);
  });

  it('reports a missing parked queue as not found', async () => {
    const run = await runCli(['interface-replies', 'list'], {
      ...env,
      LINEBACKER_INTERFACE_REPLY_QUEUE: `${namespace}.never-consumed`,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`no parked queue '${namespace}.never-consumed.parked'`);
  });

  it('loads neither the Azure SDK nor TypeORM for a command that only reads the broker', async () => {
    const loaded = recordLoadedModules();
    const run = await runCli(['interface-replies', 'list'], {
      ...env,
      ...loaded.env,
      LINEBACKER_INTERFACE_REPLY_QUEUE: `${namespace}.never-consumed`,
    });
    expect(run.code).toBe(3);
    const modules = loaded.read();
    expect(modulesOf(modules, 'amqplib')).not.toEqual([]);
    expect(modulesOf(modules, '@azure').slice(0, 3)).toEqual([]);
    // The database side is loaded by the first command that opens it (connections.ts).
    expect(modulesOf(modules, 'typeorm').slice(0, 3)).toEqual([]);
  });
});
