import { PermanentError, UnavailableError } from '@linebacker/domain';
import { EnvelopeCodec, type PayloadSchemas } from '../envelope/envelope-codec';
import type { OutgoingMessage } from '../port/envelope';
import type {
  DeadLetterOperations,
  MessageBus,
  MessageBusObserver,
  MessageHandler,
  QueueStats,
  SubscribeOptions,
  Subscription,
  SubscriptionDefinition,
} from '../port/message-bus.port';
import { retryDelayLevels } from '../retry/retry-levels';
import { subscriptionQueueNames } from '../topology/topology-names';
import { assertSubscription, buildTopology, eventsExchangeName } from '../topology/topology';
import { InMemoryBroker } from './in-memory-broker';
import { InMemoryDeadLetters } from './in-memory-dead-letters';
import { InMemorySubscription } from './in-memory-subscription';

/** Options of the in-memory bus. */
export interface InMemoryMessageBusConfig {
  /** Share one broker between several buses (apps in one process); default: a private one. */
  broker?: InMemoryBroker;
  namespace?: string;
  exchange?: string;
  /** Returns before the broker dead-letters a message (default 10), as quorum queues do. */
  deliveryLimit?: number;
  payloadSchemas?: PayloadSchemas;
  observer?: MessageBusObserver;
}

/**
 * The bus for unit tests and the single-process embedded mode: the same envelope checks,
 * consumer runner, retry, dead-letter and pause semantics as AmqpMessageBus, on an
 * in-memory broker. Not durable: delayed retries and queues live only in this process.
 */
export class InMemoryMessageBus implements MessageBus {
  readonly broker: InMemoryBroker;
  readonly deadLetters: DeadLetterOperations;
  private readonly codec: EnvelopeCodec;
  private readonly subscriptions: InMemorySubscription[] = [];
  private connection: number | null = null;
  private reconnects = 0;
  private state: 'new' | 'running' | 'outage' | 'stopping' | 'stopped' = 'new';

  constructor(private readonly config: InMemoryMessageBusConfig = {}) {
    this.broker = config.broker ?? new InMemoryBroker();
    this.codec = new EnvelopeCodec(config.payloadSchemas);
    this.deadLetters = new InMemoryDeadLetters(this.broker, this.codec, config.namespace);
  }

  /** Opens a broker connection and attaches every subscription. */
  async start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped')
      throw new PermanentError('BusStopped', 'the bus was stopped');
    this.broker.declare(buildTopology([], this.topologyOptions()));
    this.connect();
  }

  /** Routes one validated message; rejects `unavailable` while not connected. */
  async publish(message: OutgoingMessage): Promise<void> {
    this.assertAvailable();
    const envelope = this.codec.toEnvelope(message);
    const headers = {}; // as on RabbitMQ: the attempt lives in the envelope
    const exchange = eventsExchangeName(this.topologyOptions());
    this.broker.publish(exchange, envelope.type, this.codec.serialize(envelope), headers);
  }

  /** Publishes in order; rejects with the first failure after trying every message. */
  async publishBatch(messages: readonly OutgoingMessage[]): Promise<void> {
    const results = await Promise.allSettled(messages.map((m) => this.publish(m)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Declares the subscriptions' queues, bindings and companions. */
  async declare(definitions: readonly SubscriptionDefinition[]): Promise<void> {
    definitions.forEach(assertSubscription);
    this.broker.declare(buildTopology(definitions, this.topologyOptions()));
  }

  /** Declares and (once started) consumes a subscription through the consumer runner. */
  async subscribe(
    definition: SubscriptionDefinition,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    assertSubscription(definition);
    // Built before anything is declared: its runner refuses event types without a schema.
    const subscription = new InMemorySubscription(definition, handler, options, {
      broker: this.broker,
      codec: this.codec,
      namespace: this.config.namespace,
      observer: this.config.observer,
      assertAvailable: () => this.assertAvailable(),
    });
    await this.declare([definition]);
    this.subscriptions.push(subscription);
    if (this.connection !== null) subscription.attach(this.connection);
    return subscription;
  }

  /** Running and not in a simulated outage. */
  isReady(): boolean {
    return this.state === 'running';
  }

  /** The subscription's queue counters, as AmqpMessageBus reports them. */
  async queueStats(definition: SubscriptionDefinition): Promise<QueueStats> {
    this.assertAvailable();
    const names = subscriptionQueueNames(definition, this.config.namespace);
    const main = this.broker.queue(names.main);
    const retrying = retryDelayLevels(definition.retry).reduce(
      (sum, delayMs) => sum + this.broker.queue(names.retry(delayMs)).ready.length,
      0,
    );
    return {
      queue: names.main,
      messages: main.ready.length,
      consumers: main.consumers.filter((consumer) => consumer.active).length,
      retrying,
      deadLetters: this.broker.queue(names.deadLetter).ready.length,
    };
  }

  /** Cancels consumers, waits for handlers up to the deadline, then returns what is unsettled. */
  async stop(deadlineMs = 10_000): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    for (const s of this.subscriptions) {
      s.pauser.stop();
      s.cancel();
    }
    const started = Date.now();
    // Handlers finishing within the deadline may still publish and ack: the connection is
    // closed only afterwards, which returns whatever is left unsettled to the queues.
    for (const s of this.subscriptions)
      await s.runner.inFlight.drain(deadlineMs - (Date.now() - started));
    for (const s of this.subscriptions) s.runner.inFlight.abortAll('the bus is stopping');
    this.disconnect('stopped');
    this.state = 'stopped';
  }

  /** Outage recoveries so far and consumer attachments per subscription (as AmqpMessageBus). */
  stats(): { reconnects: number; attachments: Record<string, number> } {
    const attachments: Record<string, number> = {};
    for (const s of this.subscriptions)
      attachments[`${s.definition.app}.${s.definition.name}`] = s.attachCount();
    return { reconnects: this.reconnects, attachments };
  }

  /** Test aid: drops the connection like a broker restart (publishes reject, unacked return). */
  simulateOutage(): void {
    if (this.state !== 'running') return;
    this.state = 'outage';
    this.disconnect('simulated outage');
  }

  /** Test aid: ends a simulated outage; consumers re-attach. */
  endOutage(): void {
    if (this.state !== 'outage') return;
    this.reconnects += 1;
    this.connect();
  }

  private connect(): void {
    this.connection = this.broker.openConnection();
    this.state = 'running';
    for (const s of this.subscriptions) s.attach(this.connection);
    this.config.observer?.onConnectionChange?.('connected');
  }

  private disconnect(reason: string): void {
    if (this.connection !== null) this.broker.closeConnection(this.connection);
    this.connection = null;
    for (const s of this.subscriptions) s.detach();
    this.config.observer?.onConnectionChange?.('disconnected', reason);
  }

  private assertAvailable(): void {
    if (this.connection === null)
      throw new UnavailableError('BrokerUnavailable', `the in-memory bus is ${this.state}`);
  }

  private topologyOptions() {
    const { namespace, exchange, deliveryLimit } = this.config;
    return { namespace, exchange, deliveryLimit, queueType: 'quorum' as const };
  }
}
