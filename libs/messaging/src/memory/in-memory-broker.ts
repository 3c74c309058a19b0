import { PermanentError } from '@linebacker/domain';
import type { Topology } from '../topology/topology';
import type { MessageHeaders } from '../runner/message-headers';
import { topicMatches } from '../topology/topic-match';
import {
  MemoryQueue,
  type HeldDelivery,
  type MemoryConsumer,
  type MemoryQueueArguments,
  type StoredMessage,
} from './in-memory-queue-state';

const toArguments = (args: Record<string, string | number>): MemoryQueueArguments => ({
  deadLetterTo: args['x-dead-letter-routing-key'] as string | undefined,
  ttlMs: args['x-message-ttl'] as number | undefined,
  deliveryLimit: args['x-delivery-limit'] as number | undefined,
});

/**
 * A single-process stand-in for RabbitMQ with the behaviour linebacker relies on: topic
 * routing, the default exchange, per-queue TTL with dead-lettering, a quorum-style delivery
 * limit, prefetch, and unsettled deliveries returned when their connection closes. Several
 * InMemoryMessageBus instances may share one broker, like apps sharing RabbitMQ.
 */
export class InMemoryBroker {
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly bindings = new Map<string, Array<{ queue: string; pattern: string }>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly consumers = new Set<MemoryConsumer>();
  private nextConnection = 1;

  /** Declares exchanges, queues and bindings; re-declaring is a no-op. */
  declare(topology: Topology): void {
    for (const exchange of topology.exchanges)
      if (!this.bindings.has(exchange.name)) this.bindings.set(exchange.name, []);
    for (const queue of topology.queues)
      if (!this.queues.has(queue.name))
        this.queues.set(queue.name, new MemoryQueue(queue.name, toArguments(queue.arguments)));
    for (const binding of topology.bindings) {
      const list = this.bindings.get(binding.exchange) ?? [];
      if (!list.some((b) => b.queue === binding.queue && b.pattern === binding.routingKey))
        list.push({ queue: binding.queue, pattern: binding.routingKey });
      this.bindings.set(binding.exchange, list);
    }
  }

  /** A connection id; closing it returns everything its consumers held. */
  openConnection(): number {
    return this.nextConnection++;
  }

  /** Cancels the connection's consumers and requeues their unsettled deliveries. */
  closeConnection(connection: number): void {
    for (const consumer of [...this.consumers]) {
      if (consumer.connection !== connection) continue;
      this.cancel(consumer);
      this.consumers.delete(consumer);
      for (const held of [...consumer.held]) this.requeue(held);
    }
  }

  /** Routes a message like a `mandatory` publish: unroutable is an error, not a drop. */
  publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    headers: MessageHeaders,
    messageId?: string,
  ): void {
    const targets =
      exchange === ''
        ? this.queues.has(routingKey)
          ? [routingKey]
          : []
        : (this.bindings.get(exchange) ?? [])
            .filter((b) => topicMatches(b.pattern, routingKey))
            .map((b) => b.queue);
    const unique = [...new Set(targets)];
    if (unique.length === 0)
      throw new PermanentError('Unroutable', `no queue bound for '${routingKey}' on '${exchange}'`);
    for (const name of unique)
      this.enqueue(this.queue(name), {
        body,
        headers,
        routingKey,
        messageId,
        returns: 0,
        redelivered: false,
      });
  }

  /** Attaches a consumer with a prefetch limit. */
  consume(
    queue: string,
    prefetch: number,
    connection: number,
    onDelivery: (delivery: HeldDelivery) => void,
  ): MemoryConsumer {
    const consumer: MemoryConsumer = {
      queue,
      prefetch,
      connection,
      held: new Set(),
      active: true,
      onDelivery,
    };
    this.queue(queue).consumers.push(consumer);
    this.consumers.add(consumer);
    this.dispatchSoon(queue);
    return consumer;
  }

  /**
   * Detaches a consumer (basic.cancel): no new deliveries. As in RabbitMQ, what it already
   * holds stays held and can still be settled; only closing the connection returns it.
   */
  cancel(consumer: MemoryConsumer): void {
    if (!consumer.active) return;
    consumer.active = false;
    const queue = this.queue(consumer.queue);
    queue.consumers.splice(queue.consumers.indexOf(consumer), 1);
  }

  /** Acks a held delivery; false when it was already settled or its consumer is gone. */
  ack(delivery: HeldDelivery): boolean {
    if (delivery.settled) return false;
    delivery.settled = true;
    this.release(delivery);
    this.dispatchSoon(delivery.consumer.queue);
    return true;
  }

  /** Returns a held delivery to the head of its queue (or dead-letters it past the limit). */
  requeue(delivery: HeldDelivery): boolean {
    if (delivery.settled) return false;
    delivery.settled = true;
    this.release(delivery);
    const queue = this.queue(delivery.consumer.queue);
    const message = {
      ...delivery.message,
      returns: delivery.message.returns + 1,
      redelivered: true,
    };
    const limit = queue.args.deliveryLimit;
    if (limit !== undefined && message.returns > limit)
      this.deadLetter(queue, message, 'delivery_limit');
    else queue.ready.unshift(message);
    this.dispatchSoon(queue.name);
    return true;
  }

  /** The named queue, or a NotFound error like the broker's 404. */
  queue(name: string): MemoryQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new PermanentError('QueueNotFound', `no queue '${name}'`);
    return queue;
  }

  /** Stops every timer (TTL expiries); messages still delayed are dropped. */
  shutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private release(delivery: HeldDelivery): void {
    const { consumer } = delivery;
    consumer.held.delete(delivery);
    if (!consumer.active && consumer.held.size === 0) this.consumers.delete(consumer);
  }

  private enqueue(queue: MemoryQueue, message: StoredMessage): void {
    queue.ready.push(message);
    if (queue.args.ttlMs !== undefined) this.expireLater(queue, message, queue.args.ttlMs);
    this.dispatchSoon(queue.name);
  }

  private expireLater(queue: MemoryQueue, message: StoredMessage, ttlMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const index = queue.ready.indexOf(message);
      if (index < 0) return;
      queue.ready.splice(index, 1);
      this.deadLetter(queue, message, 'expired');
    }, ttlMs);
    timer.unref();
    this.timers.add(timer);
  }

  private deadLetter(queue: MemoryQueue, message: StoredMessage, reason: string): void {
    const target = queue.args.deadLetterTo;
    if (target === undefined) return; // as in RabbitMQ: no dead-letter target, message dropped
    const death = { queue: queue.name, reason, count: 1, time: new Date().toISOString() };
    const previous = Array.isArray(message.headers['x-death']) ? message.headers['x-death'] : [];
    const headers = { ...message.headers, 'x-death': [death, ...previous] };
    this.enqueue(this.queue(target), { ...message, headers, routingKey: target, returns: 0 });
  }

  private dispatchSoon(name: string): void {
    setImmediate(() => this.dispatch(name));
  }

  private dispatch(name: string): void {
    const queue = this.queues.get(name);
    if (!queue) return;
    for (;;) {
      const consumer = queue.ready.length > 0 ? queue.pickConsumer() : undefined;
      if (!consumer) return;
      const message = queue.ready.shift() as StoredMessage;
      const held: HeldDelivery = { message, consumer, settled: false };
      consumer.held.add(held);
      consumer.onDelivery(held);
    }
  }
}
