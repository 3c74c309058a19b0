/** The version of the envelope layout itself (not of any payload). */
export const ENVELOPE_VERSION = 1;

/**
 * Every message linebacker publishes on its own bus. `type` is the routing key and
 * `typeVersion` the payload schema version; `attempt` is our own delivery-attempt count
 * (1 on first publish), carried because `x-delivery-count` changed meaning across
 * RabbitMQ releases.
 */
export interface Envelope<P = Record<string, unknown>> {
  envelopeVersion: typeof ENVELOPE_VERSION;
  messageId: string;
  type: string;
  typeVersion: number;
  correlationId: string;
  causationId: string | null;
  occurredAt: string;
  attempt: number;
  payload: P;
}

/** What a publisher hands to the bus; the bus fills in the envelope's defaults. */
export interface OutgoingMessage<P = Record<string, unknown>> {
  messageId: string;
  type: string;
  typeVersion?: number;
  correlationId: string;
  causationId?: string | null;
  occurredAt?: Date | string;
  payload: P;
}
