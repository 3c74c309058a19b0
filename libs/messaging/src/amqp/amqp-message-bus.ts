import { settlesWithin, StopBudget } from '@linebacker/runtime';
import { PermanentError } from '@linebacker/domain';
import { EnvelopeCodec, type PayloadSchemas } from '../envelope/envelope-codec';
import type { Envelope, OutgoingMessage } from '../port/envelope';
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
import {
  DEFAULT_DELIVERY_LIMIT,
  assertSubscription,
  eventsExchangeName,
  type TopologyOptions,
} from '../topology/topology';
import { exportDefinitions } from '../topology/definitions';
import { AmqpDeadLetters } from './amqp-dead-letters';
import { readQueueStats } from './amqp-queue-stats';
import { AmqpSubscription } from './amqp-subscription';
import { TopologyParticipant } from './amqp-topology';
import { ConfirmPublisher, type OwnedMessage } from './confirm-publisher';
import {
  resolveQuorumGroupSize,
  splitNodeUrls,
  type QuorumGroupSizeSetting,
} from './cluster-nodes';
import type { ConnectionOptions } from './connection-options';
import { ConnectionSupervisor, type AmqpConnect } from './connection-supervisor';
import { classifyBrokerError } from './reply-codes';

/** Configuration of the RabbitMQ bus (see the README for every default). */
export interface AmqpMessageBusConfig extends ConnectionOptions, TopologyOptions {
  /**
   * Replicas per quorum queue when `quorumInitialGroupSize` is not given (default `auto`: 3
   * when `url` lists three or more nodes).
   */
  quorumGroupSize?: QuorumGroupSizeSetting;
  /**
   * Declare the events exchange (true, the default) or only check that it exists (false):
   * where a privileged step provisioned the topology and the app may not configure it.
   */
  declareExchange?: boolean;
  /** Publishes awaiting a confirm before further publishes wait (default 1000). */
  maxUnconfirmed?: number;
  payloadSchemas?: PayloadSchemas;
  observer?: MessageBusObserver;
}

/**
 * linebacker's bus on RabbitMQ: a supervised connection, topology replayed on every
 * reconnect, confirmed publishing, and one channel per subscription driven by the shared
 * consumer runner. At-least-once: duplicates are possible, losses are not.
 */
export class AmqpMessageBus implements MessageBus {
  readonly deadLetters: DeadLetterOperations;
  private readonly supervisor: ConnectionSupervisor;
  private readonly publisher: ConfirmPublisher;
  private readonly topology: TopologyParticipant;
  private readonly codec: EnvelopeCodec;
  private readonly subscriptions: AmqpSubscription[] = [];
  private readonly exchange: string;
  private stopping = false;

  constructor(
    private readonly config: AmqpMessageBusConfig,
    connect?: AmqpConnect,
  ) {
    this.codec = new EnvelopeCodec(config.payloadSchemas);
    this.exchange = eventsExchangeName(config);
    this.supervisor = new ConnectionSupervisor(config, config.observer, connect);
    this.topology = new TopologyParticipant(this.topologyOptions(), {
      declareExchanges: config.declareExchange ?? true,
    });
    this.publisher = new ConfirmPublisher({
      name: 'publisher',
      maxUnconfirmed: config.maxUnconfirmed,
      observer: config.observer,
      isBlocked: () => this.supervisor.isBlocked(),
      onChannelLost: (reason) => this.supervisor.recycle(reason),
    });
    this.deadLetters = new AmqpDeadLetters({
      codec: this.codec,
      publisher: this.publisher,
      namespace: config.namespace,
      connection: () => this.supervisor.current()?.connection ?? null,
    });
    // Order matters on every reconnect: topology, then the publisher the runners need.
    void this.supervisor.add(this.topology);
    void this.supervisor.add(this.publisher);
  }

  /** Connects (bounded attempts), declares topology, attaches registered subscriptions. */
  async start(): Promise<void> {
    if (this.stopping) throw new PermanentError('BusStopped', 'the bus was stopped');
    await this.supervisor.start();
  }

  /** One confirmed publish; rejects `unavailable` at once while disconnected. */
  async publish(message: OutgoingMessage): Promise<void> {
    const envelope = this.codec.toEnvelope(message);
    await this.publisher.reserve();
    return this.sendEnvelope(envelope);
  }

  /**
   * Validates all, then writes in order and awaits every confirm together (pipelined, one
   * promise for the whole batch); rejects with the first failure once all written ones settled.
   */
  async publishBatch(messages: readonly OutgoingMessage[]): Promise<void> {
    const outgoing = messages.map((m) => this.toOwnedMessage(this.codec.toEnvelope(m)));
    return this.publisher.publishAll(outgoing);
  }

  /**
   * Declares the subscriptions' topology now (if connected) and on every reconnect. A broker
   * refusal (permissions, arguments) rejects; the connection or channel going away meanwhile
   * does not: the topology is registered, so the next connection declares it, and recycling
   * this one makes sure there is a next one (a node stopped while an instance starts).
   */
  async declare(definitions: readonly SubscriptionDefinition[]): Promise<void> {
    definitions.forEach(assertSubscription);
    const topology = this.topology.add(definitions);
    const live = this.supervisor.current();
    if (!live) return;
    try {
      await this.topology.declareNow(live.connection, topology);
    } catch (error) {
      const failure = classifyBrokerError(error, 'declaring topology failed');
      if (failure.kind !== 'unavailable') throw failure;
      if (this.supervisor.current()?.connection === live.connection)
        this.supervisor.recycle(failure.message);
    }
  }

  /** Declares a subscription and attaches its consumer now (if connected) and after reconnects. */
  async subscribe(
    definition: SubscriptionDefinition,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    assertSubscription(definition);
    const queueType = this.config.queueType ?? 'quorum';
    // Built before anything is declared: its runner refuses event types without a schema.
    const subscription = new AmqpSubscription(definition, handler, options, {
      codec: this.codec,
      publisher: this.publisher,
      namespace: this.config.namespace,
      redeliveryLimit:
        queueType === 'classic' ? (this.config.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT) : undefined,
      observer: this.config.observer,
      recycle: (reason) => this.supervisor.recycle(reason),
    });
    await this.declare([definition]);
    await this.supervisor.add(subscription);
    this.subscriptions.push(subscription);
    return subscription;
  }

  /** Connected, topology declared, publisher open, every consumer attached or paused. */
  isReady(): boolean {
    return (
      !this.stopping &&
      this.supervisor.isReady() &&
      this.publisher.isAvailable() &&
      this.subscriptions.every((s) => s.isSettled())
    );
  }

  /** The subscription's queue counters, by passive declares on a throwaway channel. */
  queueStats(definition: SubscriptionDefinition): Promise<QueueStats> {
    const connection = this.supervisor.current()?.connection ?? null;
    return readQueueStats(connection, definition, this.config.namespace);
  }

  /**
   * Cancels every consumer, lets in-flight handlers finish (and ack) within `deadlineMs`,
   * aborts the rest and closes the connection: the broker requeues whatever is unacked.
   */
  async stop(deadlineMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // A node that stops answering (paused, partitioned) never confirms a cancel or a close:
    // each wait is bounded by what is left of the deadline, and the broker requeues whatever
    // is unacked once the process is gone.
    const budget = new StopBudget(deadlineMs);
    await settlesWithin(
      Promise.all(this.subscriptions.map((s) => s.stopConsuming().catch(() => undefined))),
      budget.left(),
    );
    for (const s of this.subscriptions) await s.runner.inFlight.drain(budget.left());
    for (const s of this.subscriptions) s.runner.inFlight.abortAll('the bus is stopping');
    await this.supervisor.stop(budget.left());
  }

  /** RabbitMQ definitions JSON for these subscriptions (default: every one declared so far). */
  exportDefinitions(definitions?: readonly SubscriptionDefinition[]): Record<string, unknown[]> {
    return exportDefinitions(definitions ?? this.topology.known(), this.topologyOptions());
  }

  /** Reconnects so far and consumer attachments per subscription (for tests and health). */
  stats(): { reconnects: number; attachments: Record<string, number> } {
    const attachments: Record<string, number> = {};
    for (const s of this.subscriptions)
      attachments[`${s.definition.app}.${s.definition.name}`] = s.attachCount();
    return { reconnects: this.supervisor.reconnectCount(), attachments };
  }

  private sendEnvelope(envelope: Envelope): Promise<void> {
    const { exchange, routingKey, body, options } = this.toOwnedMessage(envelope);
    return this.publisher.send(exchange, routingKey, body, options);
  }

  /** The wire form of a validated envelope: body, routing and AMQP properties. */
  private toOwnedMessage(envelope: Envelope): OwnedMessage {
    return {
      exchange: this.exchange,
      routingKey: envelope.type,
      body: this.codec.serialize(envelope),
      options: {
        messageId: envelope.messageId,
        correlationId: envelope.correlationId,
        type: envelope.type,
        contentType: 'application/json',
        timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
        // The attempt lives in the envelope; a header table per message costs the broker
        // about a tenth of its publish rate (docs/benchmarks.md), so only the publisher's
        // correlation id goes in it. Retry and dead-letter copies add theirs for operators.
        headers: {},
      },
    };
  }

  private topologyOptions(): TopologyOptions {
    const { namespace, exchange, queueType, deliveryLimit, url } = this.config;
    const quorumInitialGroupSize =
      this.config.quorumInitialGroupSize ??
      resolveQuorumGroupSize(this.config.quorumGroupSize ?? 'auto', splitNodeUrls(url).length);
    return { namespace, exchange, queueType, deliveryLimit, quorumInitialGroupSize };
  }
}
