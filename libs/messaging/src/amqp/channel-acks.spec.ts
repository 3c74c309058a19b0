import type { Message } from 'amqplib';
import { ChannelAcks, type AckChannel } from './channel-acks';
import { guardedDelivery, type ChannelHandle } from './consumer-switch';

/** Records every frame as `ack 5` / `ack ..5` (multiple) / `requeue 5`. */
class RecordingChannel implements AckChannel {
  readonly frames: string[] = [];
  failing = false;
  ack(message: Message, allUpTo?: boolean): void {
    if (this.failing) throw new Error('Channel closed');
    this.frames.push(`ack ${allUpTo ? '..' : ''}${message.fields.deliveryTag}`);
  }
  nack(message: Message, allUpTo?: boolean, requeue?: boolean): void {
    if (this.failing) throw new Error('Channel closed');
    this.frames.push(
      `${requeue ? 'requeue' : 'reject'} ${allUpTo ? '..' : ''}${message.fields.deliveryTag}`,
    );
  }
}

const message = (deliveryTag: number) =>
  ({
    content: Buffer.from('{}'),
    fields: { deliveryTag, redelivered: false, routingKey: 'k', exchange: '', consumerTag: 't' },
    properties: { headers: {} },
  }) as unknown as Message;

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function setUp(tags: number[]) {
  const channel = new RecordingChannel();
  const acks = new ChannelAcks(channel);
  const messages = new Map(tags.map((tag) => [tag, message(tag)]));
  for (const m of messages.values()) acks.received(m);
  const get = (tag: number) => messages.get(tag) as Message;
  return { channel, acks, get };
}

describe('ChannelAcks', () => {
  it('sends one multiple ack for a burst acked in one turn, whatever the order', async () => {
    const { channel, acks, get } = setUp([1, 2, 3, 4, 5]);
    for (const tag of [3, 1, 5, 2, 4]) acks.ack(get(tag));
    expect(channel.frames).toEqual([]); // nothing before the end of the turn
    await nextTurn();
    expect(channel.frames).toEqual(['ack ..5']);
  });

  it('never covers a delivery still being handled: those behind it are acked one by one', async () => {
    const { channel, acks, get } = setUp([1, 2, 3, 4, 5]);
    for (const tag of [1, 2, 4]) acks.ack(get(tag));
    await nextTurn();
    expect(channel.frames).toEqual(['ack ..2', 'ack 4']);
    acks.ack(get(5));
    acks.ack(get(3));
    await nextTurn();
    // 4 is settled already, so a multiple ack up to 5 covers exactly 3 and 5.
    expect(channel.frames).toEqual(['ack ..2', 'ack 4', 'ack ..5']);
  });

  it('acks a single delivery without the multiple flag', async () => {
    const { channel, acks, get } = setUp([7]);
    acks.ack(get(7));
    await nextTurn();
    expect(channel.frames).toEqual(['ack 7']);
  });

  it('requeues at once, and a requeued delivery does not hold back the acks after it', async () => {
    const { channel, acks, get } = setUp([1, 2, 3]);
    expect(acks.requeue(get(1))).toBe(true);
    expect(channel.frames).toEqual(['requeue 1']);
    acks.ack(get(2));
    acks.ack(get(3));
    await nextTurn();
    expect(channel.frames).toEqual(['requeue 1', 'ack ..3']);
  });

  it('sends nothing once the channel is forgotten (closed: the broker requeued everything)', async () => {
    const { channel, acks, get } = setUp([1, 2]);
    acks.ack(get(1));
    acks.forget();
    await nextTurn();
    expect(channel.frames).toEqual([]);
  });

  it('flushes on demand, before a deliberate channel close', () => {
    const { channel, acks, get } = setUp([1, 2]);
    acks.ack(get(1));
    acks.ack(get(2));
    acks.flush();
    expect(channel.frames).toEqual(['ack ..2']);
  });

  it('swallows a channel that throws while closing, and reports a refused requeue', async () => {
    const { channel, acks, get } = setUp([1, 2]);
    channel.failing = true;
    acks.ack(get(1));
    await nextTurn();
    expect(acks.requeue(get(2))).toBe(false);
    expect(channel.frames).toEqual([]);
  });
});

describe('guardedDelivery', () => {
  function handle(): ChannelHandle & { recorder: RecordingChannel } {
    const recorder = new RecordingChannel();
    const h = { generation: 1, open: true, recorder } as ChannelHandle & {
      recorder: RecordingChannel;
    };
    h.acks = new ChannelAcks(recorder);
    return h;
  }
  const consumed = (tag: number) => message(tag) as Parameters<typeof guardedDelivery>[1];

  it('settles a delivery once: a second ack or a requeue after the ack is refused', async () => {
    const h = handle();
    const delivery = guardedDelivery(h, consumed(1));
    expect(delivery.ack()).toBe(true);
    expect(delivery.ack()).toBe(false);
    expect(delivery.requeue()).toBe(false);
    await nextTurn();
    expect(h.recorder.frames).toEqual(['ack 1']);
  });

  it('refuses to settle a delivery of a closed channel', async () => {
    const h = handle();
    const delivery = guardedDelivery(h, consumed(1));
    h.open = false;
    expect(delivery.ack()).toBe(false);
    expect(delivery.requeue()).toBe(false);
    await nextTurn();
    expect(h.recorder.frames).toEqual([]);
  });
});
