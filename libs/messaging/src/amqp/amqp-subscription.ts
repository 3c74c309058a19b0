import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type { EnvelopeCodec } from '../envelope/envelope-codec';
import type {
  MessageBusObserver,
  MessageHandler,
  SubscribeOptions,
  Subscription,
  SubscriptionDefinition,
} from '../port/message-bus.port';
import { ConsumerRunner } from '../runner/consumer-runner';
import type { SubscriptionTransport } from '../runner/inbound-delivery';
import { PauseController } from '../runner/pause-controller';
import { subscriptionQueueNames, type SubscriptionQueueNames } from '../topology/topology-names';
import type { ConfirmPublisher } from './confirm-publisher';
import type { ConnectionParticipant } from './connection-supervisor';
import { ConsumerSwitch, guardedDelivery, type ChannelHandle } from './consumer-switch';

/** Wiring of one AMQP subscription. */
export interface AmqpSubscriptionDeps {
  codec: EnvelopeCodec;
  publisher: ConfirmPublisher;
  namespace?: string;
  /** Set for classic queues: redeliveries counted by the runner (quorum counts itself). */
  redeliveryLimit?: number;
  observer?: MessageBusObserver;
  /** A consumer channel died while the connection lives: rebuild everything. */
  recycle(reason: string): void;
}

/**
 * One subscription on RabbitMQ: its own channel per connection (prefetch applies per
 * consumer), deliveries handed to the shared consumer runner, and acks only ever sent on
 * the channel that delivered the message while that channel is open. A delivery from a
 * closed channel is dropped unsettled: the broker has already requeued it.
 */
export class AmqpSubscription implements Subscription, ConnectionParticipant {
  readonly names: SubscriptionQueueNames;
  readonly runner: ConsumerRunner;
  readonly pauser: PauseController;
  private readonly consumer: ConsumerSwitch;
  private readonly label: string;

  constructor(
    readonly definition: SubscriptionDefinition,
    handler: MessageHandler,
    options: SubscribeOptions,
    private readonly deps: AmqpSubscriptionDeps,
  ) {
    this.names = subscriptionQueueNames(definition, deps.namespace);
    this.label = `${definition.app}.${definition.name}`;
    this.consumer = new ConsumerSwitch(this.names.main, (handle, message) =>
      this.onMessage(handle, message),
    );
    this.pauser = new PauseController(
      {
        subscription: this.label,
        policy: definition.retry,
        probe: options.probe,
        probeTimeoutMs: definition.handlerTimeoutMs,
        observer: deps.observer,
      },
      { setConsuming: (on) => this.consumer.want(on) },
    );
    this.runner = new ConsumerRunner({
      definition,
      queue: this.names.main,
      handler,
      codec: deps.codec,
      transport: this.transport(),
      pauser: this.pauser,
      observer: deps.observer,
      redeliveryLimit: deps.redeliveryLimit,
    });
  }

  /** 1 while a consumer is attached, else 0. */
  consumerCount(): number {
    return this.consumer.isConsuming() ? 1 : 0;
  }

  /** True while paused after an `unavailable` failure. */
  isPaused(): boolean {
    return this.pauser.isPaused();
  }

  /** Times a consumer was attached (start, resumes and reconnects). */
  attachCount(): number {
    return this.consumer.attachments;
  }

  /** Attached, or deliberately paused (ready either way). */
  isSettled(): boolean {
    return this.consumer.isConsuming() || this.pauser.isPaused() || this.consumer.isStopped();
  }

  /** Opens this subscription's channel on a new connection and consumes unless paused. */
  async onConnect(connection: ChannelModel, generation: number): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', (error: Error & { code?: number }) =>
      this.deps.observer?.onChannelError?.(this.label, error.message, error.code),
    );
    await channel.prefetch(this.definition.prefetch);
    this.consumer.bind(channel, generation, () =>
      this.deps.recycle(`${this.label}: consumer channel closed`),
    );
    await this.consumer.want(!this.pauser.isPaused());
  }

  /** The connection is gone; so are its channel and every delivery on it. */
  onDisconnect(generation: number): void {
    this.consumer.unbind(generation);
  }

  /** Closes the channel after the drain, before the connection closes. */
  async onStop(): Promise<void> {
    await this.consumer.closeChannel();
  }

  /** Cancels the consumer for good (the bus is stopping); in-flight handlers continue. */
  async stopConsuming(): Promise<void> {
    this.pauser.stop();
    await this.consumer.stop();
  }

  private onMessage(handle: ChannelHandle, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (queue deleted or failed over): rebuild from topology.
      this.deps.recycle(`${this.label}: consumer cancelled by the broker`);
      return;
    }
    void this.runner.handle(guardedDelivery(handle, message));
  }

  private transport(): SubscriptionTransport {
    const send = (queue: string, body: Buffer, headers: Record<string, unknown>) =>
      this.deps.publisher.publish('', queue, body, { headers, contentType: 'application/json' });
    return {
      sendToRetry: (delayMs, body, headers) => send(this.names.retry(delayMs), body, headers),
      sendToDeadLetter: (body, headers) => send(this.names.deadLetter, body, headers),
      sendToMain: (body, headers) => send(this.names.main, body, headers),
    };
  }
}
