import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@linebacker/domain';
import { waitFor } from '@linebacker/testing';
import type { Envelope } from '../port/envelope';
import type { SubscriptionDefinition } from '../port/message-bus.port';
import { AmqpTestBroker, namesIn } from '../testing/amqp-test-broker';
import { bundleChild, runChild } from '../testing/child-worker';
import {
  anyPayloadSchemas,
  contractMessage,
  contractSubscription,
} from '../testing/contract-harness';
import { subscriptionQueueNames } from '../topology/topology-names';
import type { QueueType } from '../topology/topology';
import { AmqpMessageBus } from './amqp-message-bus';

jest.setTimeout(90_000);

const DELIVERY_LIMIT = 2;

describe('poison messages on RabbitMQ', () => {
  let broker: AmqpTestBroker;
  let bus: AmqpMessageBus;
  let childFile: string;

  beforeAll(() => {
    childFile = bundleChild(join(__dirname, '..', 'testing', 'crash-consumer.child.ts'), 'crash');
  });
  afterAll(() => rmSync(childFile, { force: true }));

  const open = async (queueType: QueueType) => {
    broker = await AmqpTestBroker.open(`poison${queueType}`);
    bus = new AmqpMessageBus({
      url: broker.url,
      namespace: broker.namespace,
      queueType,
      deliveryLimit: DELIVERY_LIMIT,
      payloadSchemas: anyPayloadSchemas('poison.test', 'crash.test'),
    });
    await bus.start();
  };

  afterEach(async () => {
    await bus.stop(500);
    const names = namesIn(bus.exportDefinitions());
    await broker.deleteAll(names.queues, names.exchanges);
    await broker.close();
  });

  it('dead-letters a permanent failure and an invalid body without blocking the messages behind them', async () => {
    await open('quorum');
    const def = contractSubscription('poison', ['poison.test'], { prefetch: 1 });
    const done: string[] = [];
    await bus.subscribe(def, async (envelope) => {
      if (envelope.payload['poison']) throw new PermanentError('BadRequest', 'poisoned payload');
      done.push(envelope.messageId);
      return 'ok';
    });
    await bus.publish(contractMessage('poison.test', { poison: true }));
    await broker.inject(
      subscriptionQueueNames(def, broker.namespace).main,
      Buffer.from('\u0000garbage'),
    );
    const goods = Array.from({ length: 5 }, () => contractMessage('poison.test'));
    await bus.publishBatch(goods);
    await waitFor(() => done.length === 5, 'the good messages');
    await waitFor(async () => (await bus.deadLetters.depth(def)) === 2, 'two dead letters');
    const letters = await bus.deadLetters.list(def, 10);
    expect(letters.map((l) => l.errorCode).sort()).toEqual(['BadRequest', 'InvalidMessage']);
    expect(letters.find((l) => l.errorCode === 'BadRequest')?.reason).toBe('poisoned payload');
    expect(letters.find((l) => l.errorCode === 'InvalidMessage')?.reason).toMatch(/not JSON/);
  });

  const crashUntilDeadLettered = async (queueType: QueueType) => {
    await open(queueType);
    const def: SubscriptionDefinition = contractSubscription('crash', ['crash.test'], {
      prefetch: 1,
    });
    await bus.declare([def]);
    const poison = contractMessage('crash.test', { crash: true });
    const goods = Array.from({ length: 5 }, () => contractMessage('crash.test'));
    await bus.publish(poison);
    await bus.publishBatch(goods);
    const env = {
      LB_URL: broker.url,
      LB_NAMESPACE: broker.namespace,
      LB_QUEUE_TYPE: queueType,
      LB_DELIVERY_LIMIT: String(DELIVERY_LIMIT),
      LB_DEFINITION: JSON.stringify(def),
    };
    const lines: string[] = [];
    const allGoodsDone = (output: string[]) =>
      goods.every((g) => output.includes(`done ${g.messageId}`));
    const finished = async () => allGoodsDone(lines) && (await bus.deadLetters.depth(def)) === 1;
    for (let run = 0; run < 8 && !(await finished()); run++) {
      const result = await runChild(childFile, env, (out) => allGoodsDone([...lines, ...out]));
      lines.push(...result.lines);
    }
    const crashes = lines.filter((l) => l === `crash ${poison.messageId}`).length;
    return { def, poison, goods, lines, crashes, allGoodsDone };
  };

  it('dead-letters a message that kills its worker again and again (quorum x-delivery-limit)', async () => {
    const { def, poison, lines, crashes, allGoodsDone } = await crashUntilDeadLettered('quorum');
    expect(allGoodsDone(lines)).toBe(true);
    expect(crashes).toBe(DELIVERY_LIMIT + 1);
    await waitFor(async () => (await bus.deadLetters.depth(def)) === 1, 'the dead letter');
    const [letter] = await bus.deadLetters.list(def, 10);
    expect(letter?.envelope?.messageId).toBe(poison.messageId);
    expect(letter?.errorCode).toBe('DeliveryLimitExceeded');
    expect(letter?.reason).toContain('delivery_limit');

    // The operator fixes the bug and replays it: it comes back with attempt 1.
    const replayed: Envelope[] = [];
    await bus.subscribe(def, async (envelope) => {
      replayed.push(envelope);
      return 'ok';
    });
    expect(await bus.deadLetters.replay(def)).toBe(1);
    await waitFor(() => replayed.length === 1, 'the replayed message');
    expect(replayed[0]).toMatchObject({ messageId: poison.messageId, attempt: 1 });
    expect(await bus.deadLetters.depth(def)).toBe(0);
  });

  it('dead-letters a message that kills its worker on a classic queue (counted redeliveries)', async () => {
    const { def, poison, lines, crashes, allGoodsDone } = await crashUntilDeadLettered('classic');
    expect(allGoodsDone(lines)).toBe(true);
    expect(crashes).toBe(DELIVERY_LIMIT + 1);
    await waitFor(async () => (await bus.deadLetters.depth(def)) === 1, 'the dead letter');
    const [letter] = await bus.deadLetters.list(def, 10);
    expect(letter?.envelope?.messageId).toBe(poison.messageId);
    expect(letter?.errorCode).toBe('DeliveryLimitExceeded');
  });
});
