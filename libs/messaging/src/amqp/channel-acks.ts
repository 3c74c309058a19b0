import type { Message } from 'amqplib';

/** What ChannelAcks sends on: an amqplib channel. */
export interface AckChannel {
  ack(message: Message, allUpTo?: boolean): void;
  nack(message: Message, allUpTo?: boolean, requeue?: boolean): void;
}

/**
 * Settles the deliveries of one consumer channel, coalescing acks. Acks asked for during one
 * turn of the event loop are sent together right after it (before the socket is written):
 * one `basic.ack` with `multiple` set covers the run of acked deliveries that starts at the
 * oldest unsettled one, and a delivery acked behind one still being handled gets its own
 * `basic.ack`. So nothing is acked that was not handled, an ack never waits for a slow
 * neighbour, and at prefetch 100 a burst of fast handlers costs the broker one frame instead
 * of a hundred (the write per frame was the adapter's largest cost, ADR 0104).
 *
 * A requeue is sent at once. When the channel closes, its owner calls `forget`: the broker
 * has requeued every unsettled delivery by then, so nothing of it may be sent any more.
 */
export class ChannelAcks {
  /** Delivery tags not yet settled on the wire, oldest first (tags grow per channel). */
  private readonly unsettled = new Set<number>();
  /** Acked by the runner, waiting for the flush. */
  private readonly pending = new Map<number, Message>();
  private scheduled = false;

  constructor(private readonly channel: AckChannel) {}

  /** Registers a delivery as it arrives (before any handler runs). */
  received(message: Message): void {
    this.unsettled.add(message.fields.deliveryTag);
  }

  /** Acks a delivery with the next flush. */
  ack(message: Message): void {
    this.pending.set(message.fields.deliveryTag, message);
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(() => this.flush());
  }

  /** Hands a delivery back to the queue now; false if the channel refused (it is closing). */
  requeue(message: Message): boolean {
    this.unsettled.delete(message.fields.deliveryTag);
    try {
      this.channel.nack(message, false, true);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends the pending acks now (also before the channel is closed on purpose). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    let upTo: Message | undefined;
    let run = 0;
    for (const tag of this.unsettled) {
      const message = this.pending.get(tag);
      if (!message) break;
      upTo = message;
      run += 1;
      this.unsettled.delete(tag);
      this.pending.delete(tag);
    }
    try {
      if (upTo) this.channel.ack(upTo, run > 1);
      for (const [tag, message] of this.pending) {
        this.unsettled.delete(tag);
        this.channel.ack(message, false);
      }
    } catch {
      // The channel is closing under us: the broker requeues whatever was not acked.
    }
    this.pending.clear();
  }

  /** The channel is gone: nothing of it can be settled any more. */
  forget(): void {
    this.unsettled.clear();
    this.pending.clear();
  }
}
