import type { Channel, ConsumeMessage } from 'amqplib';
import type { InboundDelivery } from '../runner/inbound-delivery';
import { ChannelAcks } from './channel-acks';

/** A consumer channel of one connection generation; `open` turns false the moment it closes. */
export interface ChannelHandle {
  channel: Channel;
  generation: number;
  open: boolean;
  /** Settles this channel's deliveries (acks coalesced per event-loop turn). */
  acks: ChannelAcks;
}

/**
 * Turns one queue's consumer on and off (start, pause, resume, reconnect, stop). Requests
 * are applied one at a time in order, each against the latest wish, so a pause that arrives
 * while `basic.consume` is still in flight cancels the consumer right after it starts.
 */
export class ConsumerSwitch {
  /** Times a consumer was attached. */
  attachments = 0;
  private handle: ChannelHandle | null = null;
  private tag: string | null = null;
  private wanted = false;
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: string,
    private readonly onMessage: (handle: ChannelHandle, message: ConsumeMessage | null) => void,
  ) {}

  /** Adopts the channel of a new connection; `onUnexpectedClose` fires if it dies on its own. */
  bind(channel: Channel, generation: number, onUnexpectedClose: () => void): ChannelHandle {
    const handle: ChannelHandle = {
      channel,
      generation,
      open: true,
      acks: new ChannelAcks(channel),
    };
    channel.on('close', () => {
      handle.open = false;
      handle.acks.forget();
      if (this.handle !== handle) return;
      this.handle = null;
      this.tag = null;
      if (!this.stopped) onUnexpectedClose();
    });
    this.handle = handle;
    this.tag = null;
    return handle;
  }

  /** Forgets the channel of a lost connection generation. */
  unbind(generation: number): void {
    if (!this.handle || this.handle.generation !== generation) return;
    this.handle.open = false;
    this.handle.acks.forget();
    this.handle = null;
    this.tag = null;
  }

  /** Records the wish (consume or not) and applies it in order. */
  want(consuming: boolean): Promise<void> {
    this.wanted = consuming;
    const run = this.chain.then(() => this.reconcile());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Cancels the consumer for good. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.want(false).catch(() => undefined);
  }

  /** Closes the channel gracefully (close-ok means every ack sent on it was applied). */
  async closeChannel(): Promise<void> {
    const handle = this.handle;
    this.stopped = true;
    if (!handle?.open) return;
    handle.acks.flush(); // acks still waiting for the end of this turn go out before the close
    await handle.channel.close().catch(() => undefined);
  }

  /** True while a consumer is attached on an open channel. */
  isConsuming(): boolean {
    return this.tag !== null && this.handle !== null && this.handle.open;
  }

  /** True once stopped. */
  isStopped(): boolean {
    return this.stopped;
  }

  private async reconcile(): Promise<void> {
    const handle = this.handle;
    if (!handle || !handle.open) return;
    const want = this.wanted && !this.stopped;
    if (want && this.tag === null) {
      const reply = await handle.channel.consume(
        this.queue,
        (message) => this.onMessage(handle, message),
        { noAck: false },
      );
      if (this.handle !== handle || !handle.open) return;
      this.tag = reply.consumerTag;
      this.attachments += 1;
    } else if (!want && this.tag !== null) {
      const tag = this.tag;
      this.tag = null;
      // basic.cancel stops new deliveries; unacked ones stay with us and can still be acked.
      await handle.channel.cancel(tag);
    }
  }
}

/**
 * A delivery whose ack or requeue is sent at most once, and only on the channel that
 * delivered it while that channel is open. Anything else is a stale delivery: dropped
 * unsettled, because the broker requeued it when the channel closed (and an ack on a newer
 * channel would name an unknown delivery tag and kill that channel with a 406). An ack goes
 * out with the channel's next coalesced flush, at the end of the current event-loop turn.
 */
export function guardedDelivery(handle: ChannelHandle, message: ConsumeMessage): InboundDelivery {
  handle.acks.received(message);
  let settled = false;
  const claim = (): boolean => {
    if (settled || !handle.open) return false;
    settled = true;
    return true;
  };
  return {
    body: message.content,
    routingKey: message.fields.routingKey,
    redelivered: message.fields.redelivered,
    headers: message.properties.headers ?? {},
    ack: () => {
      if (!claim()) return false;
      handle.acks.ack(message);
      return true;
    },
    requeue: () => claim() && handle.acks.requeue(message),
  };
}
