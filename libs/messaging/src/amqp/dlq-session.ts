import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, GetMessage } from 'amqplib';

/** Publishes fresh copies of messages to the back of the session's queue, all confirmed. */
export type RefreshMessages = (messages: readonly GetMessage[]) => Promise<void>;

/** What a session needs besides its channel and queue. */
export interface DlqSessionOptions {
  refresh: RefreshMessages;
  /** True when the broker has counted so many returns of a message that it needs a copy. */
  isWorn(message: GetMessage): boolean;
}

/**
 * Reads a dead-letter queue on one throwaway channel, holding what it takes unacked, and
 * hands everything back at the end. Quorum queues apply returns asynchronously (measured:
 * a depth read right after nack-all or channel close could still say 0), so `giveBack`
 * waits, bounded, until the queue shows them again; the next operation then sees them.
 */
export class DlqSession {
  private held: GetMessage[] = [];

  constructor(
    readonly channel: Channel,
    readonly queue: string,
    private readonly options: DlqSessionOptions,
  ) {}

  /** The next ready message, held unacked; false when the queue is empty. */
  async take(): Promise<GetMessage | false> {
    const message = await this.channel.get(this.queue, { noAck: false });
    if (message) this.held.push(message);
    return message;
  }

  /** Removes a taken message for good. */
  ack(message: GetMessage): void {
    this.channel.ack(message);
    this.held = this.held.filter((m) => m !== message);
  }

  /** Ready messages right now. */
  async depth(): Promise<number> {
    return (await this.channel.checkQueue(this.queue)).messageCount;
  }

  /**
   * Returns every held message to the queue and waits (up to `waitMs`) until it shows. A
   * quorum queue counts each return towards its delivery limit (RabbitMQ before 4.3: every
   * return, a nack too; the limit defaults to 20 since 4.0) and drops a message past it, so
   * once one held message is worn, all of them are replaced by fresh copies instead, in
   * order: the copies are confirmed before the originals are acked, so a crash in between
   * leaves duplicates (same dead-letter id), never a loss. If a copy fails, closing the
   * channel returns the originals and the error propagates.
   */
  async giveBack(waitMs = 2000): Promise<void> {
    if (this.held.length === 0) return;
    const held = this.held;
    const target = (await this.depth()) + held.length;
    if (held.some((message) => this.options.isWorn(message))) {
      await this.options.refresh(held);
      this.channel.ackAll();
    } else {
      this.channel.nackAll(true);
    }
    this.held = [];
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && (await this.depth()) < target) await sleep(20);
  }
}
