import { settlesWithin, StopBudget } from '@linebacker/runtime';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type {
  ExternalQueueConsumer,
  ExternalQueueObserver,
  RawMessageHandler,
} from '../port/external-queue.port';
import { PauseController } from '../runner/pause-controller';
import { RawQueueRunner } from '../runner/raw-queue-runner';
import { parkedQueueName } from '../topology/topology-names';
import { ConfirmPublisher } from './confirm-publisher';
import type { ConnectionOptions } from './connection-options';
import {
  ConnectionSupervisor,
  type AmqpConnect,
  type ConnectionParticipant,
} from './connection-supervisor';
import { ConsumerSwitch, guardedDelivery, type ChannelHandle } from './consumer-switch';
import { PlainQueuesParticipant, type PlainQueueSpec } from './plain-queues';

/** The arguments `<queue>.parked` is declared with unless configured otherwise. */
export const DEFAULT_PARKED_QUEUE_ARGUMENTS: Readonly<Record<string, string>> = {
  'x-queue-type': 'quorum',
};

/** A plain queue to consume on its own connection. */
export interface AmqpExternalQueueConsumerConfig extends ConnectionOptions {
  queue: string;
  /** Declare the queue (durable) on connect; off when its owner declares it (default true). */
  declareQueue?: boolean;
  /** Arguments of the consumed queue; must match the existing queue's (default none). */
  queueArguments?: Record<string, string | number>;
  /** Arguments of `<queue>.parked` (default quorum). */
  parkedQueueArguments?: Record<string, string | number>;
  /**
   * Park and put back through this exchange, routing key = the target queue's name, instead
   * of the default exchange (default ''), which would let the consumer write to every queue
   * of the vhost (the interface's request queue too).
   */
  returnExchange?: string;
  /**
   * Broker redeliveries of one message (its worker died holding it) before it is parked
   * with `DeliveryLimitExceeded` (default 10; counted in a header, whatever the queue type).
   */
  deliveryLimit?: number;
  /** Unacked messages in flight (default 10). */
  prefetch?: number;
  /** A handler still running after this long counts as a transient failure (default 30000). */
  handlerTimeoutMs?: number;
  /** First pause after a non-permanent failure, in ms, doubling while failures repeat (default 1000). */
  pauseInitialDelayMs?: number;
  /** Longest pause, in ms (default 30000). */
  pauseMaxDelayMs?: number;
  observer?: ExternalQueueObserver;
}

/**
 * Consumes one plain queue (the backup interface's status replies) on its own supervised
 * connection, with the same stale-ack safety as the bus: the handler republishes inside
 * linebacker, then the message is acked; an invalid one is parked in `<queue>.parked`.
 */
export class AmqpExternalQueueConsumer implements ExternalQueueConsumer, ConnectionParticipant {
  private readonly supervisor: ConnectionSupervisor;
  private readonly publisher: ConfirmPublisher;
  private readonly consumer: ConsumerSwitch;
  private readonly pauser: PauseController;
  private readonly runner: RawQueueRunner;

  constructor(
    private readonly config: AmqpExternalQueueConsumerConfig,
    handler: RawMessageHandler,
    connect?: AmqpConnect,
  ) {
    const observer = config.observer;
    this.supervisor = new ConnectionSupervisor(
      { connectionName: `linebacker-${config.queue}`, ...config },
      observer,
      connect,
    );
    this.publisher = new ConfirmPublisher({
      name: `${config.queue} parking`,
      observer,
      isBlocked: () => this.supervisor.isBlocked(),
      onChannelLost: (reason) => this.supervisor.recycle(reason),
    });
    this.consumer = new ConsumerSwitch(config.queue, (handle, message) =>
      this.onMessage(handle, message),
    );
    this.pauser = new PauseController(
      {
        subscription: config.queue,
        policy: {
          maxAttempts: 1,
          initialDelayMs: config.pauseInitialDelayMs ?? 1000,
          maxDelayMs: config.pauseMaxDelayMs ?? 30_000,
        },
        probeTimeoutMs: 1000,
        observer,
      },
      { setConsuming: (on) => this.consumer.want(on) },
    );
    this.runner = this.createRunner(handler);
    const queues = this.queuesToDeclare();
    const exchanges = config.returnExchange ? [config.returnExchange] : [];
    void this.supervisor.add(new PlainQueuesParticipant(queues, exchanges));
    void this.supervisor.add(this.publisher);
    void this.supervisor.add(this);
  }

  private createRunner(handler: RawMessageHandler): RawQueueRunner {
    const parked = parkedQueueName(this.config.queue);
    const exchange = this.config.returnExchange ?? '';
    return new RawQueueRunner({
      queue: this.config.queue,
      handler,
      handlerTimeoutMs: this.config.handlerTimeoutMs ?? 30_000,
      park: (body, headers, messageId) =>
        this.publisher.publish(exchange, parked, body, { headers, messageId }),
      putBack: (body, headers, messageId) =>
        this.publisher.publish(exchange, this.config.queue, body, { headers, messageId }),
      redeliveryLimit: this.config.deliveryLimit ?? 10,
      pauser: this.pauser,
      observer: this.config.observer,
    });
  }

  private queuesToDeclare(): PlainQueueSpec[] {
    const { queue, parkedQueueArguments, queueArguments } = this.config;
    const parked = {
      name: parkedQueueName(queue),
      arguments: parkedQueueArguments ?? DEFAULT_PARKED_QUEUE_ARGUMENTS,
    };
    return (this.config.declareQueue ?? true)
      ? [parked, { name: queue, arguments: queueArguments ?? {} }]
      : [parked];
  }

  /** Connects (bounded attempts), declares the queues and consumes. */
  start(): Promise<void> {
    return this.supervisor.start();
  }

  /** Connected, and consuming or deliberately paused. */
  isReady(): boolean {
    return this.supervisor.isReady() && (this.consumer.isConsuming() || this.pauser.isPaused());
  }

  /** 1 while a consumer is attached. */
  consumerCount(): number {
    return this.consumer.isConsuming() ? 1 : 0;
  }

  /** Stops consuming, waits for in-flight handlers (bounded), closes channels and connection. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.pauser.stop();
    // Bounded like the bus's stop: a paused node never answers the cancel or the close.
    const budget = new StopBudget(deadlineMs);
    await settlesWithin(this.consumer.stop(), budget.left());
    await this.runner.inFlight.drain(budget.left());
    this.runner.inFlight.abortAll('the consumer is stopping');
    await this.supervisor.stop(budget.left());
  }

  /** Opens the consumer channel on a new connection. */
  async onConnect(connection: ChannelModel, generation: number): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', (error: Error & { code?: number }) =>
      this.config.observer?.onChannelError?.(this.config.queue, error.message, error.code),
    );
    await channel.prefetch(this.config.prefetch ?? 10);
    this.consumer.bind(channel, generation, () =>
      this.supervisor.recycle(`${this.config.queue}: channel closed`),
    );
    await this.consumer.want(!this.pauser.isPaused());
  }

  /** Forgets the channel of a lost connection. */
  onDisconnect(generation: number): void {
    this.consumer.unbind(generation);
  }

  /** Closes the consumer channel before the connection, so acks land. */
  async onStop(): Promise<void> {
    await this.consumer.closeChannel();
  }

  private onMessage(handle: ChannelHandle, message: ConsumeMessage | null): void {
    if (message === null)
      return this.supervisor.recycle(`${this.config.queue}: consumer cancelled by the broker`);
    const messageId =
      typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined;
    void this.runner.handle(guardedDelivery(handle, message), messageId);
  }
}
