import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { PermanentError, TransientError, UnavailableError } from '@linebacker/domain';
import type { MessageBusObserver } from '../port/message-bus.port';
import { HEADERS, stringHeader, type MessageHeaders } from '../runner/message-headers';
import type { ConnectionParticipant } from './connection-supervisor';

/** How the publisher is wired to its connection. */
export interface ConfirmPublisherOptions {
  /** Name used in channel error reports. */
  name: string;
  /** Publishes awaiting their confirm before new ones wait (bounds memory; default 1000). */
  maxUnconfirmed?: number;
  observer?: MessageBusObserver;
  /** True while the broker blocks publishers (resource alarm). */
  isBlocked(): boolean;
  /** Our channel died while the connection lives: rebuild everything. */
  onChannelLost(reason: string): void;
}

type Waiter = { resolve: () => void; reject: (error: unknown) => void };

const notConnected = () => new UnavailableError('BrokerUnavailable', 'not connected to the broker');

/**
 * Confirmed, persistent, mandatory publishing on one confirm channel per connection.
 * `reserve` waits for capacity (channel writable after `drain`, fewer than `maxUnconfirmed`
 * in flight) and rejects at once while disconnected or blocked; `send` writes synchronously
 * and returns the confirm. Confirms are pipelined: many sends share the wait.
 */
export class ConfirmPublisher implements ConnectionParticipant {
  private channel: ConfirmChannel | null = null;
  private generation = 0;
  private writable = true;
  private unconfirmed = 0;
  // Slots claimed by `reserve` and not yet used by `send`: concurrent callers each claim
  // synchronously, so the window cannot be overrun by many callers waking at once.
  private reserved = 0;
  private sequence = 0;
  private waiters: Waiter[] = [];
  // The broker sends basic.return BEFORE the basic.ack of an unroutable mandatory message,
  // so a returned id is recorded here and turned into a rejection when its confirm arrives.
  private readonly returned = new Set<string>();
  private readonly maxUnconfirmed: number;

  constructor(private readonly options: ConfirmPublisherOptions) {
    this.maxUnconfirmed = options.maxUnconfirmed ?? 1000;
  }

  /** Opens the confirm channel of a new connection. */
  async onConnect(connection: ChannelModel, generation: number): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error & { code?: number }) =>
      this.options.observer?.onChannelError?.(this.options.name, error.message, error.code),
    );
    channel.on('return', (message: Message) => {
      const id = stringHeader(message.properties.headers ?? {}, HEADERS.publishId);
      if (id) this.returned.add(id);
    });
    channel.on('drain', () => {
      this.writable = true;
      this.wake();
    });
    channel.on('close', () => this.onChannelClosed(channel));
    this.channel = channel;
    this.generation = generation;
    this.writable = true;
    this.unconfirmed = 0;
    this.reserved = 0;
  }

  /** Forgets the channel of a lost connection; waiting publishers reject `unavailable`. */
  onDisconnect(generation: number): void {
    if (generation !== this.generation) return;
    this.channel = null;
    this.failWaiters(notConnected());
  }

  /** True when a publish would be attempted now. */
  isAvailable(): boolean {
    return this.channel !== null && !this.options.isBlocked();
  }

  /** Waits until a send may be written; rejects `unavailable` while disconnected or blocked. */
  async reserve(): Promise<void> {
    for (;;) {
      if (!this.channel) throw notConnected();
      if (this.options.isBlocked())
        throw new UnavailableError(
          'BrokerBlocked',
          'the broker blocks publishers (resource alarm)',
        );
      if (this.writable && this.unconfirmed + this.reserved < this.maxUnconfirmed) {
        this.reserved += 1;
        return;
      }
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
  }

  /** Writes one persistent, mandatory message now (after `reserve`); resolves on its confirm. */
  send(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: Options.Publish = {},
  ): Promise<void> {
    if (this.reserved > 0) this.reserved -= 1;
    const channel = this.channel;
    if (!channel) return Promise.reject(notConnected());
    const id = `${this.generation}.${++this.sequence}`;
    const headers: MessageHeaders = { ...properties.headers, [HEADERS.publishId]: id };
    const options = { ...properties, headers, persistent: true, mandatory: true };
    return new Promise<void>((resolve, reject) => {
      this.unconfirmed += 1;
      const settle = (error: unknown) => {
        this.unconfirmed -= 1;
        const returned = this.returned.delete(id);
        this.wake();
        if (error) return reject(confirmError(error));
        if (returned)
          return reject(
            new PermanentError('Unroutable', `no queue bound for '${routingKey}' on '${exchange}'`),
          );
        resolve();
      };
      try {
        if (!channel.publish(exchange, routingKey, body, options, settle)) this.writable = false;
      } catch (error) {
        settle(error); // the channel was closing: amqplib throws instead of calling back
      }
    });
  }

  /** reserve + send: one confirmed publish. */
  async publish(exchange: string, routingKey: string, body: Buffer, properties?: Options.Publish) {
    await this.reserve();
    return this.send(exchange, routingKey, body, properties);
  }

  private onChannelClosed(channel: ConfirmChannel): void {
    if (this.channel !== channel) return;
    this.channel = null;
    this.failWaiters(notConnected());
    this.options.onChannelLost(`${this.options.name}: publisher channel closed`);
  }

  private wake(): void {
    this.waiters.splice(0).forEach((waiter) => waiter.resolve());
  }

  private failWaiters(error: unknown): void {
    this.waiters.splice(0).forEach((waiter) => waiter.reject(error));
  }
}

/** amqplib reports a nack as 'message nacked' and a lost channel as 'channel closed'. */
function confirmError(error: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  if (text.includes('nacked'))
    return new TransientError('PublishNacked', 'the broker refused the message (nack)', {
      cause: error,
    });
  return new UnavailableError('BrokerUnavailable', `publish not confirmed: ${text}`, {
    cause: error,
  });
}
