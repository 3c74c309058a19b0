import { connect, type ConfirmChannel } from 'amqplib';
import { pollUntil, rabbitmqForTests, type TestService } from '@linebacker/testing';
import { provisionBroker, type ProvisionedBroker } from './provisioned-broker';

/** What an operation ended with: done, or the reply code the broker closed the channel with. */
type Outcome = 'done' | number;

/**
 * Runs `operation` as `user` on a fresh confirm channel of `vhost` and reports how it ended.
 * A refused publish shows up only as the channel closing (with 403), so the outcome waits for
 * the close and reads the code from the channel's error.
 */
async function attempt(
  broker: ProvisionedBroker,
  user: string,
  vhost: string,
  operation: (channel: ConfirmChannel) => Promise<unknown>,
): Promise<Outcome> {
  const connection = await connect(broker.url(user, vhost));
  try {
    const channel = await connection.createConfirmChannel();
    let code: number | undefined;
    const closed = new Promise<void>((resolve) => channel.on('close', () => resolve()));
    channel.on('error', (error: { code?: number }) => (code = error.code));
    try {
      await operation(channel);
      await channel.waitForConfirms();
    } catch (error) {
      await closed;
      return code ?? (error as { code?: number }).code ?? -1;
    }
    await channel.close();
    return 'done';
  } finally {
    await connection.close().catch(() => undefined);
  }
}

const publish = (exchange: string, routingKey: string) => async (channel: ConfirmChannel) =>
  channel.publish(exchange, routingKey, Buffer.from('{}'), { mandatory: true, persistent: true });

const ACCESS_REFUSED = 403;
jest.setTimeout(120_000);

describe('RabbitMQ users provisioned by tools/security/provision-rabbitmq.sh', () => {
  let rabbit: TestService;
  let broker: ProvisionedBroker;
  // Queue and exchange names of this run (namespaced).
  let q: (name: string) => string;

  beforeAll(async () => {
    rabbit = await rabbitmqForTests();
    broker = await provisionBroker(rabbit.url, 'perm');
    q = (name) => `${broker.namespace}.${name}`;
  }, 240_000);

  afterAll(async () => {
    await broker?.remove();
    await rabbit?.stop();
  }, 120_000);

  it('lets each app consume its own queue and publish its events (the control case)', async () => {
    const { vhost } = broker;
    const own = (app: string, queue: string) =>
      attempt(broker, broker.user(app), vhost, (c) => c.consume(q(queue), () => undefined));
    expect(await own('check-allowed', 'check-allowed.backup-request.received')).toBe('done');
    expect(await own('notifier', 'notifier.end-states')).toBe('done');
    const event = publish(q('linebacker.events'), 'backup-request.received');
    expect(await attempt(broker, broker.user('http-receiver'), vhost, event)).toBe('done');
  });

  it('lets an app retry through its own delay queue, which the broker dead-letters back', async () => {
    const main = q('check-allowed.backup-request.received');
    const user = broker.user('check-allowed');
    // What the consumer runner does for a transient failure: a copy into a delay queue
    // through the default exchange; the broker moves it back when the TTL expires.
    const messageId = `retried-${Date.now()}`;
    const retry = async (channel: ConfirmChannel) =>
      channel.publish('', `${main}.retry.1000`, Buffer.from('{}'), { messageId, persistent: true });
    const sentAt = Date.now();
    expect(await attempt(broker, user, broker.vhost, retry)).toBe('done');
    const connection = await connect(broker.url(user, broker.vhost));
    try {
      const channel = await connection.createChannel();
      const isBack = async () => {
        const message = await channel.get(main, { noAck: true });
        return message !== false && message.properties.messageId === messageId;
      };
      expect(await pollUntil(isBack, 10_000, 100)).toBe(true);
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(900);
    } finally {
      await connection.close();
    }
  });

  it("refuses an app declaring, consuming or purging another app's queues", async () => {
    const { vhost } = broker;
    const asCheckAllowed = (op: (c: ConfirmChannel) => Promise<unknown>) =>
      attempt(broker, broker.user('check-allowed'), vhost, op);
    const theirs = q('receive-status.store-status.received');
    expect(await asCheckAllowed((c) => c.assertQueue(theirs, { durable: true }))).toBe(
      ACCESS_REFUSED,
    );
    expect(await asCheckAllowed((c) => c.consume(theirs, () => undefined))).toBe(ACCESS_REFUSED);
    expect(await asCheckAllowed((c) => c.get(`${theirs}.dlq`))).toBe(ACCESS_REFUSED);
    expect(await asCheckAllowed((c) => c.purgeQueue(theirs))).toBe(ACCESS_REFUSED);
    const receiver = broker.user('http-receiver');
    expect(
      await attempt(broker, receiver, vhost, (c) => c.consume(q('notifier.end-states'), () => 0)),
    ).toBe(ACCESS_REFUSED);
  });

  it('refuses an app declaring (hence deleting) the events exchange', async () => {
    const declare = (c: ConfirmChannel) =>
      c.assertExchange(q('linebacker.events'), 'topic', { durable: true });
    expect(await attempt(broker, broker.user('notifier'), broker.vhost, declare)).toBe(
      ACCESS_REFUSED,
    );
    const remove = (c: ConfirmChannel) => c.deleteExchange(q('linebacker.events'));
    expect(await attempt(broker, broker.user('recovery'), broker.vhost, remove)).toBe(
      ACCESS_REFUSED,
    );
  });

  it('lets only send-to-interface write requests, and only through the request exchange', async () => {
    const { interfaceVhost } = broker;
    const sender = broker.user('send-to-interface');
    const requests = q('backup-interface.requests');
    const toRequests = publish(q('backup-interface.to-requests'), requests);
    expect(await attempt(broker, sender, interfaceVhost, toRequests)).toBe('done');
    // The default exchange would reach every queue of the vhost, the reply queue too.
    const forgedReply = publish('', q('backup-interface.replies'));
    expect(await attempt(broker, sender, interfaceVhost, forgedReply)).toBe(ACCESS_REFUSED);
    const viaReplyExchange = publish(
      q('backup-interface.to-replies'),
      q('backup-interface.replies'),
    );
    expect(await attempt(broker, sender, interfaceVhost, viaReplyExchange)).toBe(ACCESS_REFUSED);
    const read = (c: ConfirmChannel) => c.consume(requests, () => undefined);
    expect(await attempt(broker, sender, interfaceVhost, read)).toBe(ACCESS_REFUSED);
    const receiver = broker.user('interface-receiver');
    expect(await attempt(broker, receiver, interfaceVhost, toRequests)).toBe(ACCESS_REFUSED);
  });

  it('lets interface-receiver read replies but neither read nor write requests', async () => {
    const { interfaceVhost } = broker;
    const receiver = broker.user('interface-receiver');
    const replies = (c: ConfirmChannel) => c.consume(q('backup-interface.replies'), () => 0);
    expect(await attempt(broker, receiver, interfaceVhost, replies)).toBe('done');
    const requests = (c: ConfirmChannel) => c.consume(q('backup-interface.requests'), () => 0);
    expect(await attempt(broker, receiver, interfaceVhost, requests)).toBe(ACCESS_REFUSED);
    const forged = publish('', q('backup-interface.requests'));
    expect(await attempt(broker, receiver, interfaceVhost, forged)).toBe(ACCESS_REFUSED);
  });

  it('lets the operator read only the parked replies in the interface vhost, and put them back', async () => {
    const { interfaceVhost } = broker;
    const operator = broker.user('operator');
    const get = (queue: string) => (c: ConfirmChannel) => c.get(q(queue), { noAck: false });
    expect(
      await attempt(broker, operator, interfaceVhost, get('backup-interface.replies.parked')),
    ).toBe('done');
    expect(await attempt(broker, operator, interfaceVhost, get('backup-interface.replies'))).toBe(
      ACCESS_REFUSED,
    );
    expect(await attempt(broker, operator, interfaceVhost, get('backup-interface.requests'))).toBe(
      ACCESS_REFUSED,
    );
    // Replays go back through the reply exchange; the request side stays send-to-interface's.
    const replay = publish(q('backup-interface.to-replies'), q('backup-interface.replies'));
    expect(await attempt(broker, operator, interfaceVhost, replay)).toBe('done');
    const toRequests = publish(q('backup-interface.to-requests'), q('backup-interface.requests'));
    expect(await attempt(broker, operator, interfaceVhost, toRequests)).toBe(ACCESS_REFUSED);
    const declare = (c: ConfirmChannel) => c.assertQueue(q('operator-made'), { durable: true });
    expect(await attempt(broker, operator, interfaceVhost, declare)).toBe(ACCESS_REFUSED);
  });

  it("keeps every other app out of the interface's vhost altogether", async () => {
    // A refused vhost is 530 NOT_ALLOWED, which amqplib reports only as this message.
    for (const app of ['check-allowed', 'receive-status', 'http-receiver'])
      await expect(connect(broker.url(broker.user(app), broker.interfaceVhost))).rejects.toThrow(
        /Expected ConnectionOpenOk; got <ConnectionClose/,
      );
  });
});
