import type { MessageHeaders } from '../runner/message-headers';

/** A message held by the in-memory broker. */
export interface StoredMessage {
  body: Buffer;
  headers: MessageHeaders;
  routingKey: string;
  /** The AMQP `message_id` property, if the publisher set one. */
  messageId?: string;
  /** Times the message went back to its queue unsettled (the quorum delivery count). */
  returns: number;
  redelivered: boolean;
}

/** A message handed to one consumer and not yet settled. */
export interface HeldDelivery {
  message: StoredMessage;
  consumer: MemoryConsumer;
  settled: boolean;
}

/** One consumer on one in-memory queue. */
export interface MemoryConsumer {
  queue: string;
  prefetch: number;
  held: Set<HeldDelivery>;
  connection: number;
  /** False once cancelled: it gets no new deliveries but may still settle what it holds. */
  active: boolean;
  onDelivery(delivery: HeldDelivery): void;
}

/** Broker-side arguments of an in-memory queue (the subset linebacker uses). */
export interface MemoryQueueArguments {
  deadLetterTo?: string;
  ttlMs?: number;
  deliveryLimit?: number;
}

/** One in-memory queue: ready messages in FIFO order plus its consumers. */
export class MemoryQueue {
  readonly ready: StoredMessage[] = [];
  readonly consumers: MemoryConsumer[] = [];
  private nextConsumer = 0;

  constructor(
    readonly name: string,
    readonly args: MemoryQueueArguments,
  ) {}

  /** The next consumer with a free prefetch slot, round-robin like RabbitMQ. */
  pickConsumer(): MemoryConsumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const consumer = this.consumers[(this.nextConsumer + i) % this.consumers.length];
      if (consumer && consumer.held.size < consumer.prefetch) {
        this.nextConsumer = (this.nextConsumer + i + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }
}
