import type { Channel, GetMessage } from 'amqplib';
import { DlqSession } from './dlq-session';

/** A queue on a fake channel: get takes from the head, nack-all puts the held ones back. */
class FakeDlqChannel {
  readonly log: string[] = [];
  held: GetMessage[] = [];
  constructor(public ready: GetMessage[]) {}
  async get(): Promise<GetMessage | false> {
    const message = this.ready.shift();
    if (!message) return false;
    this.held.push(message);
    return message;
  }
  ack(message: GetMessage): void {
    this.log.push(`ack ${message.content.toString()}`);
    this.held = this.held.filter((m) => m !== message);
  }
  ackAll(): void {
    this.log.push(`ack-all ${this.held.length}`);
    this.held = [];
  }
  nackAll(): void {
    this.log.push(`nack-all ${this.held.length}`);
    this.ready.unshift(...this.held);
    this.held = [];
  }
  async checkQueue() {
    return { queue: 'q', messageCount: this.ready.length, consumerCount: 0 };
  }
}

const message = (name: string, deliveryCount?: number) =>
  ({
    content: Buffer.from(name),
    fields: {},
    properties: {
      headers: deliveryCount === undefined ? {} : { 'x-delivery-count': deliveryCount },
    },
  }) as unknown as GetMessage;

function session(ready: GetMessage[]) {
  const channel = new FakeDlqChannel(ready);
  const refresh = async (messages: readonly GetMessage[]) => {
    channel.log.push(`copies ${messages.map((m) => m.content.toString()).join(',')}`);
    // Confirmed copies land at the back of the queue.
    channel.ready.push(...messages.map((m) => message(`${m.content.toString()}'`)));
  };
  const isWorn = (m: GetMessage) => Number(m.properties.headers?.['x-delivery-count']) >= 5;
  const dlq = new DlqSession(channel as unknown as Channel, 'q', { refresh, isWorn });
  return { channel, dlq };
}

describe('DlqSession', () => {
  it('hands held messages back with one nack-all while none is worn', async () => {
    const { channel, dlq } = session([message('a', 0), message('b', 4)]);
    await dlq.take();
    await dlq.take();
    await dlq.giveBack(0);
    expect(channel.log).toEqual(['nack-all 2']);
    expect(channel.ready.map((m) => m.content.toString())).toEqual(['a', 'b']);
  });

  it('replaces every held message by a fresh copy, in order and before any ack, once one is worn', async () => {
    const { channel, dlq } = session([message('a', 5), message('b', 1), message('c')]);
    await dlq.take();
    await dlq.take();
    await dlq.giveBack(0);
    expect(channel.log).toEqual(['copies a,b', 'ack-all 2']);
    expect(channel.ready.map((m) => m.content.toString())).toEqual(['c', "a'", "b'"]);
  });

  it('neither copies nor returns a message it acked for good (a replay)', async () => {
    const { channel, dlq } = session([message('a', 7), message('b', 0)]);
    const first = await dlq.take();
    await dlq.take();
    if (first) dlq.ack(first);
    await dlq.giveBack(0);
    expect(channel.log).toEqual(['ack a', 'nack-all 1']);
  });

  it('acks nothing when a copy fails: the originals go back when the channel closes', async () => {
    const channel = new FakeDlqChannel([message('a', 9)]);
    const failing = new DlqSession(channel as unknown as Channel, 'q', {
      refresh: () => Promise.reject(new Error('no confirm')),
      isWorn: () => true,
    });
    await failing.take();
    await expect(failing.giveBack(0)).rejects.toThrow('no confirm');
    expect(channel.log).toEqual([]);
  });
});
