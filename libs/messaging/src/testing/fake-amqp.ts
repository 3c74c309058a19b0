import { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage, Options } from 'amqplib';
import type { AmqpConnect } from '../amqp/connection-supervisor';

type ConfirmCallback = (error: unknown) => void;

/** One publish the fake channel received. */
export interface FakePublish {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
  confirm?: ConfirmCallback;
}

/**
 * A hand-written stand-in for an amqplib (confirm) channel: records publishes, acks and
 * consumer registrations, and lets a test confirm, nack, return, fill the buffer or close.
 */
export class FakeChannel extends EventEmitter {
  readonly published: FakePublish[] = [];
  readonly acked: ConsumeMessage[] = [];
  readonly nacked: ConsumeMessage[] = [];
  consumer: ((message: ConsumeMessage | null) => void) | null = null;
  writable = true;
  closed = false;
  private tags = 0;

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    confirm?: ConfirmCallback,
  ): boolean {
    if (this.closed) throw new Error('Channel closed');
    this.published.push({ exchange, routingKey, content, options, confirm });
    return this.writable;
  }
  async prefetch(): Promise<void> {
    return undefined;
  }
  async consume(_queue: string, onMessage: (message: ConsumeMessage | null) => void) {
    this.consumer = onMessage;
    return { consumerTag: `ctag-${++this.tags}` };
  }
  async cancel(): Promise<void> {
    this.consumer = null;
  }
  ack(message: ConsumeMessage): void {
    if (this.closed) throw new Error('Channel closed');
    this.acked.push(message);
  }
  nack(message: ConsumeMessage): void {
    if (this.closed) throw new Error('Channel closed');
    this.nacked.push(message);
  }
  readonly exchangesDeclared: string[] = [];
  readonly exchangesChecked: string[] = [];
  async assertExchange(name: string): Promise<void> {
    this.exchangesDeclared.push(name);
  }
  async checkExchange(name: string): Promise<void> {
    this.exchangesChecked.push(name);
  }
  async assertQueue(): Promise<void> {
    return undefined;
  }
  async bindQueue(): Promise<void> {
    return undefined;
  }
  async close(): Promise<void> {
    this.closeNow();
  }

  /** Confirms (or nacks) publish number `index`. */
  confirm(index: number, error: unknown = null): void {
    this.published[index]?.confirm?.(error);
  }
  /** Emits basic.return for publish number `index` (the broker sends it before the ack). */
  returnMessage(index: number): void {
    const p = this.published[index];
    if (p)
      this.emit('return', {
        content: p.content,
        fields: {},
        properties: { headers: p.options.headers, appId: p.options.appId },
      });
  }
  /** Delivers a message to the registered consumer. */
  deliver(body: string, deliveryTag: number): ConsumeMessage {
    const message = {
      content: Buffer.from(body),
      fields: {
        deliveryTag,
        redelivered: false,
        routingKey: 'rk',
        exchange: 'x',
        consumerTag: 'c',
      },
      properties: { headers: {} },
    } as unknown as ConsumeMessage;
    this.consumer?.(message);
    return message;
  }
  /** Closes like the broker or a lost connection would: pending confirms fail, then 'close'. */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.published) p.confirm?.(new Error('channel closed'));
    this.emit('close');
  }
}

/** A stand-in for an amqplib connection (ChannelModel). */
export class FakeConnection extends EventEmitter {
  readonly channels: FakeChannel[] = [];
  closed = false;

  async createChannel(): Promise<FakeChannel> {
    if (this.closed) throw new Error('Connection closed');
    const channel = new FakeChannel();
    this.channels.push(channel);
    return channel;
  }
  createConfirmChannel(): Promise<FakeChannel> {
    return this.createChannel();
  }
  async close(): Promise<void> {
    this.drop();
  }
  /** Loses the connection: channels close, then 'error' (if given) and 'close'. */
  drop(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.channels.forEach((c) => c.closeNow());
    if (error) this.emit('error', error);
    this.emit('close', error);
  }
}

/**
 * Makes `connection` behave like a broker node paused with SIGSTOP: the socket stays open and
 * no cancel, channel close or connection close is ever answered.
 */
export function hangBroker(connection: FakeConnection): void {
  const never = () => new Promise<void>(() => undefined);
  connection.close = never;
  for (const channel of connection.channels) {
    channel.cancel = never;
    channel.close = never;
  }
}

/** A connect function whose attempts follow `plan` ('ok', or an error to throw). */
export function fakeConnector(plan: Array<'ok' | Error>): {
  connect: AmqpConnect;
  connections: FakeConnection[];
  attempts: () => number;
} {
  const connections: FakeConnection[] = [];
  let attempts = 0;
  const connect: AmqpConnect = async () => {
    const step = plan[Math.min(attempts, plan.length - 1)] ?? 'ok';
    attempts += 1;
    if (step !== 'ok') throw step;
    const connection = new FakeConnection();
    connections.push(connection);
    return connection as unknown as ChannelModel;
  };
  return { connect, connections, attempts: () => attempts };
}
