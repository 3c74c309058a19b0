import type { Channel, GetMessage } from 'amqplib';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads a dead-letter queue on one throwaway channel, holding what it takes unacked, and
 * hands everything back at the end. Quorum queues apply returns asynchronously (measured:
 * a depth read right after nack-all or channel close could still say 0), so `giveBack`
 * waits, bounded, until the queue shows them again; the next operation then sees them.
 */
export class DlqSession {
  private held = 0;

  constructor(
    readonly channel: Channel,
    readonly queue: string,
  ) {}

  /** The next ready message, held unacked; false when the queue is empty. */
  async take(): Promise<GetMessage | false> {
    const message = await this.channel.get(this.queue, { noAck: false });
    if (message) this.held += 1;
    return message;
  }

  /** Removes a taken message for good. */
  ack(message: GetMessage): void {
    this.channel.ack(message);
    this.held -= 1;
  }

  /** Ready messages right now. */
  async depth(): Promise<number> {
    return (await this.channel.checkQueue(this.queue)).messageCount;
  }

  /** Returns every held message to the queue and waits (up to `waitMs`) until it shows. */
  async giveBack(waitMs = 2000): Promise<void> {
    if (this.held === 0) return;
    const target = (await this.depth()) + this.held;
    this.channel.nackAll(true);
    this.held = 0;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && (await this.depth()) < target) await sleep(20);
  }
}
