import type { EnvelopeCodec } from '../envelope/envelope-codec';
import type {
  MessageBusObserver,
  MessageHandler,
  SubscribeOptions,
  Subscription,
  SubscriptionDefinition,
} from '../port/message-bus.port';
import { ConsumerRunner } from '../runner/consumer-runner';
import type { InboundDelivery, SubscriptionTransport } from '../runner/inbound-delivery';
import { PauseController } from '../runner/pause-controller';
import { subscriptionQueueNames, type SubscriptionQueueNames } from '../topology/topology-names';
import type { InMemoryBroker } from './in-memory-broker';
import type { HeldDelivery, MemoryConsumer } from './in-memory-queue-state';

/** Wiring of one in-memory subscription. */
export interface InMemorySubscriptionDeps {
  broker: InMemoryBroker;
  codec: EnvelopeCodec;
  namespace?: string;
  observer?: MessageBusObserver;
  /** Rejects (unavailable) while the bus is in a simulated outage or stopped. */
  assertAvailable(): void;
}

/** A subscription on the in-memory broker, driven by the shared consumer runner. */
export class InMemorySubscription implements Subscription {
  readonly names: SubscriptionQueueNames;
  readonly runner: ConsumerRunner;
  readonly pauser: PauseController;
  private consumer: MemoryConsumer | null = null;
  private connection: number | null = null;
  private attachments = 0;

  constructor(
    readonly definition: SubscriptionDefinition,
    handler: MessageHandler,
    options: SubscribeOptions,
    private readonly deps: InMemorySubscriptionDeps,
  ) {
    this.names = subscriptionQueueNames(definition, deps.namespace);
    const label = `${definition.app}.${definition.name}`;
    this.pauser = new PauseController(
      {
        subscription: label,
        policy: definition.retry,
        probe: options.probe,
        probeTimeoutMs: definition.handlerTimeoutMs,
        observer: deps.observer,
      },
      { setConsuming: async (on) => (on ? this.consume() : this.cancel()) },
    );
    this.runner = new ConsumerRunner({
      definition,
      queue: this.names.main,
      handler,
      codec: deps.codec,
      transport: this.transport(),
      pauser: this.pauser,
      observer: deps.observer,
    });
  }

  /** Consumer attached right now (0 or 1). */
  consumerCount(): number {
    return this.consumer ? 1 : 0;
  }

  /** True while paused. */
  isPaused(): boolean {
    return this.pauser.isPaused();
  }

  /** Times a consumer was attached. */
  attachCount(): number {
    return this.attachments;
  }

  /** Binds to a broker connection and consumes unless paused. */
  attach(connection: number): void {
    this.connection = connection;
    this.consume();
  }

  /** Forgets the connection (it was closed; the broker returned what it held). */
  detach(): void {
    this.consumer = null;
    this.connection = null;
  }

  /** Stops taking deliveries (the bus is stopping or pausing). */
  cancel(): void {
    if (this.consumer) this.deps.broker.cancel(this.consumer);
    this.consumer = null;
  }

  private consume(): void {
    if (this.connection === null || this.consumer || this.pauser.isPaused()) return;
    this.consumer = this.deps.broker.consume(
      this.names.main,
      this.definition.prefetch,
      this.connection,
      (held) => void this.runner.handle(this.inbound(held)),
    );
    this.attachments += 1;
  }

  private inbound(held: HeldDelivery): InboundDelivery {
    const { broker } = this.deps;
    return {
      body: held.message.body,
      routingKey: held.message.routingKey,
      redelivered: held.message.redelivered,
      headers: held.message.headers,
      ack: () => broker.ack(held),
      requeue: () => broker.requeue(held),
    };
  }

  private transport(): SubscriptionTransport {
    const send = async (queue: string, body: Buffer, headers: Record<string, unknown>) => {
      this.deps.assertAvailable();
      this.deps.broker.publish('', queue, body, headers);
    };
    return {
      sendToRetry: (delayMs, body, headers) => send(this.names.retry(delayMs), body, headers),
      sendToDeadLetter: (body, headers) => send(this.names.deadLetter, body, headers),
      sendToMain: (body, headers) => send(this.names.main, body, headers),
    };
  }
}
