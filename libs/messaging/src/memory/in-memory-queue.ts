import type { BackupInterface, InterfaceRequest } from '@linebacker/domain';
import type {
  ExternalQueueConsumer,
  ExternalQueueObserver,
  RawMessageHandler,
} from '../port/external-queue.port';
import { PauseController } from '../runner/pause-controller';
import { RawQueueRunner } from '../runner/raw-queue-runner';
import type { MessageHeaders } from '../runner/message-headers';
import { parkedQueueName } from '../topology/topology-names';
import { InMemoryBroker } from './in-memory-broker';
import type { MemoryConsumer, StoredMessage } from './in-memory-queue-state';

/** Consumer settings for an in-memory plain queue (defaults suit tests). */
export interface InMemoryQueueConsumerOptions {
  prefetch?: number;
  /** Redeliveries of one message before it is parked (default 10), as on RabbitMQ. */
  deliveryLimit?: number;
  handlerTimeoutMs?: number;
  pauseInitialDelayMs?: number;
  pauseMaxDelayMs?: number;
  observer?: ExternalQueueObserver;
}

/**
 * A plain named queue in memory, with its `<name>.parked` companion: the embedded mode's
 * stand-in for the backup interface's request and reply queues. Consumers get the same
 * park / requeue / pause behaviour as AmqpExternalQueueConsumer.
 */
export class InMemoryQueue {
  constructor(
    readonly name: string,
    private readonly broker: InMemoryBroker = new InMemoryBroker(),
  ) {
    const queues = [name, parkedQueueName(name)].map((q) => ({ name: q, arguments: {} }));
    broker.declare({ exchanges: [], queues, bindings: [] });
  }

  /** Enqueues a message (a string is sent as UTF-8). */
  send(
    body: Buffer | string,
    options: { messageId?: string; headers?: MessageHeaders } = {},
  ): void {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.broker.publish('', this.name, bytes, options.headers ?? {}, options.messageId);
  }

  /** Messages waiting (not counting those being handled). */
  depth(): number {
    return this.broker.queue(this.name).ready.length;
  }

  /** Parked messages with their reason headers. */
  parked(): readonly StoredMessage[] {
    return this.broker.queue(parkedQueueName(this.name)).ready;
  }

  /** A consumer of this queue; call `start()` on it. */
  consumer(
    handler: RawMessageHandler,
    options: InMemoryQueueConsumerOptions = {},
  ): ExternalQueueConsumer {
    return new InMemoryQueueConsumer(this.broker, this.name, handler, options);
  }
}

class InMemoryQueueConsumer implements ExternalQueueConsumer {
  private connection: number | null = null;
  private consumer: MemoryConsumer | null = null;
  private readonly pauser: PauseController;
  private readonly runner: RawQueueRunner;

  constructor(
    private readonly broker: InMemoryBroker,
    private readonly queue: string,
    handler: RawMessageHandler,
    private readonly options: InMemoryQueueConsumerOptions,
  ) {
    this.pauser = new PauseController(
      {
        subscription: queue,
        policy: {
          maxAttempts: 1,
          initialDelayMs: options.pauseInitialDelayMs ?? 100,
          maxDelayMs: options.pauseMaxDelayMs ?? 5000,
        },
        probeTimeoutMs: 1000,
        observer: options.observer,
      },
      { setConsuming: async (on) => (on ? this.consume() : this.cancel()) },
    );
    this.runner = new RawQueueRunner({
      queue,
      handler,
      handlerTimeoutMs: options.handlerTimeoutMs ?? 30_000,
      park: async (body, headers, messageId) =>
        broker.publish('', parkedQueueName(queue), body, headers, messageId),
      putBack: async (body, headers, messageId) =>
        broker.publish('', queue, body, headers, messageId),
      redeliveryLimit: options.deliveryLimit ?? 10,
      pauser: this.pauser,
      observer: options.observer,
    });
  }

  async start(): Promise<void> {
    this.connection = this.broker.openConnection();
    this.consume();
  }

  isReady(): boolean {
    return this.connection !== null && (this.consumer !== null || this.pauser.isPaused());
  }

  consumerCount(): number {
    return this.consumer ? 1 : 0;
  }

  async stop(deadlineMs = 10_000): Promise<void> {
    this.pauser.stop();
    this.cancel();
    await this.runner.inFlight.drain(deadlineMs);
    this.runner.inFlight.abortAll('the consumer is stopping');
    if (this.connection !== null) this.broker.closeConnection(this.connection);
    this.connection = null;
  }

  private consume(): void {
    if (this.connection === null || this.consumer || this.pauser.isPaused()) return;
    this.consumer = this.broker.consume(
      this.queue,
      this.options.prefetch ?? 10,
      this.connection,
      (held) => {
        const { message } = held;
        const delivery = {
          body: message.body,
          routingKey: message.routingKey,
          redelivered: message.redelivered,
          headers: message.headers,
          ack: () => this.broker.ack(held),
          requeue: () => this.broker.requeue(held),
        };
        void this.runner.handle(delivery, message.messageId);
      },
    );
  }

  private cancel(): void {
    if (this.consumer) this.broker.cancel(this.consumer);
    this.consumer = null;
  }
}

/** The BackupInterface port over an InMemoryQueue (message id = backupRequestId). */
export class InMemoryBackupInterface implements BackupInterface {
  constructor(private readonly queue: InMemoryQueue) {}

  /** Enqueues the request as JSON. */
  async send(request: InterfaceRequest): Promise<void> {
    this.queue.send(JSON.stringify(request), { messageId: request.backupRequestId });
  }
}
