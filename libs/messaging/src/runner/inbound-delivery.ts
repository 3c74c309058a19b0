import type { MessageHeaders } from './message-headers';

/** One delivery as the runner sees it, whichever broker it came from. */
export interface InboundDelivery {
  body: Buffer;
  routingKey: string;
  redelivered: boolean;
  headers: MessageHeaders;
  /** Acks; returns false (and does nothing) when the delivery's channel is gone. */
  ack(): boolean;
  /** Gives the delivery back to the queue; false when the channel is gone. */
  requeue(): boolean;
}

/** Confirmed publishes into a subscription's own companions (resolve only on confirm). */
export interface SubscriptionTransport {
  sendToRetry(delayMs: number, body: Buffer, headers: MessageHeaders): Promise<void>;
  sendToDeadLetter(body: Buffer, headers: MessageHeaders): Promise<void>;
  sendToMain(body: Buffer, headers: MessageHeaders): Promise<void>;
}
