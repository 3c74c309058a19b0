import { randomUUID } from 'node:crypto';
import { PermanentError } from '@linebacker/domain';
import { aStoreStatusReply } from '@linebacker/domain/testing';
import {
  AmqpMessageBus,
  subscriptionQueueNames,
  type DeadLetter,
  type SubscriptionDefinition,
} from '@linebacker/messaging';
import { PAYLOAD_SCHEMAS, pipelineSubscriptions } from '@linebacker/pipeline';
import {
  applyQueuePolicy,
  deleteBrokerNamespace,
  publishToQueue,
  rabbitmqForTests,
  testNamespace,
  type TestService,
  waitFor,
} from '@linebacker/testing';
import { loadCliConfig } from './config';
import { runCli } from './testing/run-cli';

// A case runs the bundle up to ten times, about a second each alone; with the integration
// projects three at a time on two cores, a case once took over 120 s (5 December).
jest.setTimeout(300_000);

/** Anything a terminal could act on: C0 but tab/newline, DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Retitles the window, clears the screen, then recolours with an 8-bit CSI. */
const PLANTED = '\u001b]0;owned\u0007\u001b[2J\u009b31m';

describe('linebacker dlq on quorum queues, given hostile dead letters', () => {
  let broker: TestService;
  let env: Record<string, string>;
  let namespace: string;
  let definition: SubscriptionDefinition;
  const messageId = randomUUID();

  beforeAll(async () => {
    broker = await rabbitmqForTests();
    namespace = testNamespace('clidlq');
    env = {
      LINEBACKER_AMQP_URL: broker.url,
      LINEBACKER_NAMESPACE: namespace,
      LINEBACKER_QUEUE_TYPE: 'quorum',
    };
    definition = pipelineSubscriptions(loadCliConfig(env)).receiveStatus;
    await seedDeadLetters();
  }, 60_000);

  afterAll(async () => {
    await deleteBrokerNamespace(broker.url, namespace);
    await broker?.stop();
  });

  const show = async (id: string, json: boolean) => {
    const run = await runCli(
      ['dlq', 'show', 'receive-status', id, ...(json ? ['--json'] : [])],
      env,
    );
    expect([run.code, run.stderr]).toEqual([0, '']);
    return run.stdout;
  };

  it('shows planted escape sequences as text, and keeps them exact in --json', async () => {
    const list = await runCli(['dlq', 'list', 'receive-status', '--json'], env);
    const letters = JSON.parse(list.stdout) as Array<{ id: string; errorCode: string }>;
    expect(letters.map((l) => l.errorCode).sort()).toEqual(['InvalidMessage', 'Planted']);
    for (const { id } of letters) {
      const text = await show(id, false);
      expect(text).not.toMatch(CONTROL);
      expect(text).toContain('\\x1b]0;owned\\x07\\x1b[2J\\x9b31m');
      const json = await show(id, true);
      expect(json).not.toMatch(CONTROL);
      const letter = JSON.parse(json) as DeadLetter;
      expect(`${letter.reason} ${letter.rawBody} ${JSON.stringify(letter.headers)}`).toContain(
        PLANTED,
      );
    }
  });

  it('still shows a dead letter, unchanged, after 8 inspections under a delivery limit of 5', async () => {
    // RabbitMQ 4.0+ gives quorum queues a delivery limit (20 by default), and before 4.3
    // every inspection's return counts; this broker gets a limit by policy, a small one so
    // that going past it takes few CLI runs.
    const dlq = subscriptionQueueNames(definition, namespace).deadLetter;
    const clear = await applyQueuePolicy(namespace, '.*\\.dlq$', { 'delivery-limit': 5 }, dlq);
    try {
      const content = (json: string) => {
        const { headers, ...letter } = JSON.parse(json) as DeadLetter;
        const { 'x-delivery-count': _count, ...kept } = headers;
        return { ...letter, headers: kept };
      };
      const first = content(await show(messageId, true));
      expect(first).toMatchObject({ errorCode: 'Planted', envelope: { messageId } });
      for (let n = 1; n < 8; n++)
        expect([n, content(await show(messageId, true))]).toEqual([n, first]);
      const list = await runCli(['dlq', 'list', 'receive-status', '--json'], env);
      expect((JSON.parse(list.stdout) as unknown[]).length).toBe(2);
    } finally {
      await clear();
    }
  });

  /** Two dead letters: a reply failing with a planted reason, and planted raw bytes. */
  async function seedDeadLetters(): Promise<void> {
    const seeder = new AmqpMessageBus({
      url: broker.url,
      namespace,
      queueType: 'quorum',
      payloadSchemas: PAYLOAD_SCHEMAS,
    });
    await seeder.start();
    await seeder.subscribe(definition, async () => {
      throw new PermanentError('Planted', `reason ${PLANTED}`);
    });
    const requestId = randomUUID();
    await seeder.publish({
      messageId,
      type: 'store-status.received',
      correlationId: requestId,
      payload: { ...aStoreStatusReply(requestId) },
    });
    const queue = subscriptionQueueNames(definition, namespace).main;
    await publishToQueue(broker.url, queue, Buffer.from(`body ${PLANTED}`), {
      'x-planted': PLANTED,
    });
    await waitFor(
      async () => (await seeder.deadLetters.depth(definition)) >= 2,
      'the seeded messages to be dead-lettered',
      15_000,
      50,
    );
    await seeder.stop(1000);
  }
});
