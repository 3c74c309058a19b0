import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { PermanentError, TransientError, UnavailableError } from '@linebacker/domain';
import type { MessageBusObserver } from '../port/message-bus.port';
import type { MessageHeaders } from '../runner/message-headers';
import type { ConnectionParticipant } from './connection-supervisor';

/** How the publisher is wired to its connection. */
export interface ConfirmPublisherOptions {
  /** Name used in channel error reports. */
  name: string;
  /** Publishes awaiting their confirm before new ones wait (bounds memory; default 1000). */
  maxUnconfirmed?: number;
  /** Nacks in a row, with no ack between, after which the channel is given up (default 20). */
  maxConsecutiveNacks?: number;
  observer?: MessageBusObserver;
  /** True while the broker blocks publishers (resource alarm). */
  isBlocked(): boolean;
  /** Our channel died while the connection lives: rebuild everything. */
  onChannelLost(reason: string): void;
}

type Waiter = { resolve: () => void; reject: (error: unknown) => void };

/** Publish options the publisher may complete in place: a fresh object per message. */
export type OwnedPublishOptions = Options.Publish & { headers: MessageHeaders };

/** One message for `publishAll`, with options (and headers) owned by that call. */
export interface OwnedMessage {
  exchange: string;
  routingKey: string;
  body: Buffer;
  options: OwnedPublishOptions;
}

/** `app_id` of every message: this publisher's id for it, matched against basic.return. */
const PUBLISH_ID_PREFIX = 'linebacker/';

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
  // The id travels in the `app_id` property, not in a header: on quorum queues the broker
  // pays about a tenth of its publish rate per header (docs/benchmarks.md).
  private readonly returned = new Set<string>();
  private readonly maxUnconfirmed: number;
  private readonly maxConsecutiveNacks: number;
  private consecutiveNacks = 0;

  constructor(private readonly options: ConfirmPublisherOptions) {
    this.maxUnconfirmed = options.maxUnconfirmed ?? 1000;
    this.maxConsecutiveNacks = options.maxConsecutiveNacks ?? 20;
  }

  /** Opens the confirm channel of a new connection. */
  async onConnect(connection: ChannelModel, generation: number): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error & { code?: number }) =>
      this.options.observer?.onChannelError?.(this.options.name, error.message, error.code),
    );
    channel.on('return', (message: Message) => {
      const appId: unknown = message.properties.appId;
      if (typeof appId === 'string' && appId.startsWith(PUBLISH_ID_PREFIX))
        this.returned.add(appId);
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
    this.consecutiveNacks = 0;
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
    const owned: OwnedPublishOptions = { ...properties, headers: { ...properties.headers } };
    return new Promise<void>((resolve, reject) =>
      this.write({ exchange, routingKey, body, options: owned }, (error) =>
        error === undefined ? resolve() : reject(error),
      ),
    );
  }

  /**
   * Writes `messages` in order, each after waiting for capacity exactly as `reserve` does, and
   * settles once every written message is confirmed: resolves when all were acked (and none
   * returned); otherwise rejects with the refused reservation (which stops the writing) or
   * else the first failed message's error. One promise per batch, not per message.
   * The publisher completes each message's `options` in place (persistent, mandatory, its
   * publish id as `app_id`), so every message must bring a fresh options and headers object.
   */
  async publishAll(messages: readonly OwnedMessage[]): Promise<void> {
    let pending = 0;
    let writing = true;
    let firstIndex = messages.length;
    let firstError: unknown;
    let allConfirmed: () => void = () => undefined;
    const confirmed = new Promise<void>((resolve) => (allConfirmed = resolve));
    let refused: { error: unknown } | undefined;
    for (let index = 0; index < messages.length; index++) {
      if (this.hasCapacityNow()) this.reserved += 1;
      else {
        try {
          await this.reserve();
        } catch (error) {
          refused = { error };
          break;
        }
      }
      pending += 1;
      this.write(messages[index] as OwnedMessage, (error) => {
        if (error !== undefined && index < firstIndex) {
          firstIndex = index;
          firstError = error;
        }
        if (--pending === 0 && !writing) allConfirmed();
      });
    }
    writing = false;
    if (pending > 0) await confirmed;
    if (refused) throw refused.error;
    if (firstIndex < messages.length) throw firstError;
  }

  /** reserve + send: one confirmed publish. */
  async publish(exchange: string, routingKey: string, body: Buffer, properties?: Options.Publish) {
    await this.reserve();
    return this.send(exchange, routingKey, body, properties);
  }

  /** Open, not blocked, writable and below the window: a send may be written now. */
  private hasCapacityNow(): boolean {
    return (
      this.channel !== null &&
      this.writable &&
      this.unconfirmed + this.reserved < this.maxUnconfirmed &&
      !this.options.isBlocked()
    );
  }

  /**
   * Writes one persistent, mandatory message now (its reservation is used up) and calls
   * `done` once: with undefined on the broker's ack of a message that was not returned,
   * with the error otherwise.
   */
  private write(message: OwnedMessage, done: (error: unknown) => void): void {
    if (this.reserved > 0) this.reserved -= 1;
    const channel = this.channel;
    if (!channel) return done(notConnected());
    const { exchange, routingKey, body, options } = message;
    const id = `${PUBLISH_ID_PREFIX}${this.generation}.${++this.sequence}`;
    options.appId = id;
    // An empty table still costs the broker a header table to parse and store.
    if (Object.keys(options.headers).length === 0) delete (options as Options.Publish).headers;
    options.persistent = true;
    options.mandatory = true;
    this.unconfirmed += 1;
    const settle = (error: unknown) => {
      this.unconfirmed -= 1;
      const returned = this.returned.size > 0 && this.returned.delete(id);
      if (this.waiters.length > 0) this.wake();
      const failure = error ? confirmError(error) : undefined;
      this.countNacks(channel, failure);
      if (failure) return done(failure);
      if (returned)
        return done(
          new PermanentError('Unroutable', `no queue bound for '${routingKey}' on '${exchange}'`),
        );
      done(undefined);
    };
    try {
      if (!channel.publish(exchange, routingKey, body, options, settle)) this.writable = false;
    } catch (error) {
      settle(error); // the channel was closing: amqplib throws instead of calling back
    }
  }

  /**
   * Measured on RabbitMQ 3.10.8 (a three-node cluster, the node leading a quorum queue
   * killed): a channel opened on another node while the queue elected its new leader had
   * every publish to that queue nacked, for minutes, while a new channel's were acked at
   * once. The nacks never stop by themselves, so a run of them with no ack between gives
   * the channel up: the connection is rebuilt like after any channel loss. A queue that
   * truly refuses (an operator's max-length with reject-publish) then costs a reconnect per
   * run of nacks, no more.
   */
  private countNacks(channel: ConfirmChannel, failure: Error | undefined): void {
    if (!(failure instanceof TransientError)) {
      if (failure === undefined) this.consecutiveNacks = 0;
      return;
    }
    if (++this.consecutiveNacks !== this.maxConsecutiveNacks || this.channel !== channel) return;
    this.options.onChannelLost(
      `${this.options.name}: ${this.maxConsecutiveNacks} publishes in a row refused (nack)`,
    );
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
