import type { ChannelModel } from 'amqplib';
import { FakeConnection, type FakeChannel } from '../testing/fake-amqp';
import { ConfirmPublisher } from './confirm-publisher';

describe('ConfirmPublisher', () => {
  let blocked: boolean;
  let lost: string[];
  let publisher: ConfirmPublisher;
  let channel: FakeChannel;
  const body = Buffer.from('{}');
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(async () => {
    blocked = false;
    lost = [];
    publisher = new ConfirmPublisher({
      name: 'test',
      maxUnconfirmed: 3,
      isBlocked: () => blocked,
      onChannelLost: (reason) => lost.push(reason),
    });
    const connection = new FakeConnection();
    await publisher.onConnect(connection as unknown as ChannelModel, 1);
    channel = connection.channels[0] as FakeChannel;
  });

  it('rejects at once with unavailable while disconnected, buffering nothing', async () => {
    publisher.onDisconnect(1);
    await expect(publisher.publish('x', 'rk', body)).rejects.toMatchObject({ kind: 'unavailable' });
    expect(channel.published).toHaveLength(0);
  });

  it('rejects at once while the broker blocks publishers', async () => {
    blocked = true;
    await expect(publisher.publish('x', 'rk', body)).rejects.toMatchObject({
      code: 'BrokerBlocked',
    });
  });

  it('publishes persistent and mandatory, and resolves only on the confirm', async () => {
    let done = false;
    const sent = publisher.publish('x', 'rk', body).then(() => (done = true));
    await flush();
    expect(channel.published[0]?.options).toMatchObject({ persistent: true, mandatory: true });
    expect(done).toBe(false);
    channel.confirm(0);
    await sent;
  });

  it('rejects a returned (unroutable) message although the broker acks it afterwards', async () => {
    const sent = publisher.publish('x', 'nobody', body);
    await flush();
    channel.returnMessage(0);
    channel.confirm(0);
    await expect(sent).rejects.toMatchObject({ code: 'Unroutable', kind: 'permanent' });
  });

  it('turns a nack into a transient error and a closed channel into unavailable', async () => {
    const nacked = publisher.publish('x', 'rk', body);
    const pending = publisher.publish('x', 'rk', body);
    await flush();
    channel.confirm(0, new Error('message nacked'));
    await expect(nacked).rejects.toMatchObject({ code: 'PublishNacked', kind: 'transient' });
    channel.closeNow();
    await expect(pending).rejects.toMatchObject({ kind: 'unavailable' });
    expect(lost).toHaveLength(1);
  });

  it('gives the channel up after a run of nacks with no ack between, once', async () => {
    const nacks = async (count: number) => {
      const start = channel.published.length;
      const sends = Array.from({ length: count }, () =>
        publisher.publish('x', 'rk', body).catch(() => undefined),
      );
      await flush();
      for (let i = start; i < start + count; i++) channel.confirm(i, new Error('message nacked'));
      await Promise.all(sends);
    };
    const quiet = new ConfirmPublisher({
      name: 'nacked',
      maxUnconfirmed: 100,
      maxConsecutiveNacks: 5,
      isBlocked: () => false,
      onChannelLost: (reason) => lost.push(reason),
    });
    const connection = new FakeConnection();
    await quiet.onConnect(connection as unknown as ChannelModel, 1);
    channel = connection.channels[0] as FakeChannel;
    publisher = quiet;
    await nacks(4);
    const acked = publisher.publish('x', 'rk', body);
    await flush();
    channel.confirm(4);
    await acked;
    await nacks(4);
    expect(lost).toEqual([]);
    await nacks(1);
    expect(lost).toEqual(['nacked: 5 publishes in a row refused (nack)']);
    await nacks(10);
    expect(lost).toHaveLength(1);
  });

  it('waits for drain once the channel buffer is full', async () => {
    channel.writable = false;
    const first = publisher.publish('x', 'rk', body);
    await flush();
    const second = publisher.publish('x', 'rk', body);
    await flush();
    expect(channel.published).toHaveLength(1);
    channel.emit('drain');
    await flush();
    expect(channel.published).toHaveLength(2);
    channel.confirm(0);
    channel.confirm(1);
    await Promise.all([first, second]);
  });

  it('bounds the number of unconfirmed publishes', async () => {
    const sends = [1, 2, 3, 4].map(() => publisher.publish('x', 'rk', body));
    await flush();
    expect(channel.published).toHaveLength(3);
    channel.confirm(0);
    await flush();
    expect(channel.published).toHaveLength(4);
    [1, 2, 3].forEach((i) => channel.confirm(i));
    await Promise.all(sends);
  });

  describe('publishAll (one promise per batch)', () => {
    const batch = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        exchange: 'x',
        routingKey: `rk.${i}`,
        body,
        options: { messageId: `m-${i}`, headers: { 'x-linebacker-attempt': 1 } },
      }));

    it('writes persistent, mandatory messages in order and resolves only after every ack', async () => {
      let done = false;
      const sent = publisher.publishAll(batch(2)).then(() => (done = true));
      await flush();
      expect(channel.published.map((p) => p.options)).toMatchObject([
        { messageId: 'm-0', persistent: true, mandatory: true },
        { messageId: 'm-1', persistent: true, mandatory: true },
      ]);
      expect(channel.published[0]?.options.appId).toMatch(/^linebacker\/\d+\.\d+$/);
      expect(channel.published[0]?.options.appId).not.toBe(channel.published[1]?.options.appId);
      channel.confirm(1);
      await flush();
      expect(done).toBe(false);
      channel.confirm(0);
      await sent;
    });

    it('rejects Unroutable when one message was returned before its ack, after all settled', async () => {
      let settled = false;
      const sent = publisher.publishAll(batch(2)).finally(() => (settled = true));
      await flush();
      channel.returnMessage(1);
      channel.confirm(1);
      await flush();
      expect(settled).toBe(false);
      channel.confirm(0);
      await expect(sent).rejects.toMatchObject({ code: 'Unroutable', kind: 'permanent' });
    });

    it('respects the unconfirmed window and drain, then fails fast once disconnected', async () => {
      const sent = publisher.publishAll(batch(5));
      await flush();
      expect(channel.published).toHaveLength(3);
      channel.writable = false;
      channel.confirm(0);
      await flush();
      expect(channel.published).toHaveLength(4); // the full buffer stops the next write
      channel.confirm(1);
      await flush();
      expect(channel.published).toHaveLength(4);
      publisher.onDisconnect(1);
      [2, 3].forEach((i) => channel.confirm(i));
      await expect(sent).rejects.toMatchObject({ kind: 'unavailable' });
      expect(channel.published).toHaveLength(4);
    });

    it('rejects at once while disconnected, writing nothing', async () => {
      publisher.onDisconnect(1);
      await expect(publisher.publishAll(batch(2))).rejects.toMatchObject({ kind: 'unavailable' });
      expect(channel.published).toHaveLength(0);
    });
  });
});
