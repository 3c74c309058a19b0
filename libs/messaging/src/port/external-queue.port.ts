/** A message from a plain (non-linebacker) queue, as its handler sees it. */
export interface RawMessage {
  body: Buffer;
  /** The AMQP `message_id` property, when the sender set one. */
  messageId?: string;
  headers: Record<string, unknown>;
  /**
   * This queue's consumers had the message before: the broker redelivered it (a consumer
   * died holding it) or it is a copy a consumer put back after a failure. False only on a
   * message's first delivery, so a receiver can tell the sender's repeats from its own.
   */
  redelivered: boolean;
}

/**
 * Handles one raw message. Resolving means it was fully handed on (e.g. republished inside
 * linebacker, confirmed): the message is acked. Throwing a `permanent` error (unparseable,
 * invalid) parks it with the reason; any other error requeues it and pauses the consumer.
 */
export type RawMessageHandler = (
  message: RawMessage,
  signal: AbortSignal,
) => Promise<void | RawMessageTrace>;

/** What a handler may tell about the message it handled, carried on the `ok` report. */
export interface RawMessageTrace {
  /** The correlation id of the journey the message belongs to. */
  correlationId?: string;
  /** The business id the message is about (e.g. the backup request id). */
  requestId?: string;
}

/** What happened to one raw message, for logs and metrics. */
export interface RawMessageReport {
  queue: string;
  messageId?: string;
  outcome: 'ok' | 'parked' | 'requeued' | 'dropped';
  /** From the handler's trace (successful messages only). */
  correlationId?: string;
  requestId?: string;
  errorCode?: string;
  reason?: string;
  durationMs: number;
}

/** Observations of an external-queue consumer. */
export interface ExternalQueueObserver {
  onMessage?(report: RawMessageReport): void;
  /** `node` is the `host:port` the connection goes (or went) to, when known. */
  onConnectionChange?(state: 'connected' | 'disconnected', reason?: string, node?: string): void;
  onPause?(queue: string, paused: boolean, reason?: string): void;
  onChannelError?(channel: string, message: string, code?: number): void;
  onError?(context: string, error: unknown): void;
}

/** A consumer of one plain queue (e.g. the backup interface's status replies). */
export interface ExternalQueueConsumer {
  /** Connects and starts consuming (bounded start-up attempts, then `unavailable`). */
  start(): Promise<void>;
  /** Connected and consuming (or deliberately paused). */
  isReady(): boolean;
  /** Consumers attached right now (0 or 1). */
  consumerCount(): number;
  /** Stops consuming, lets in-flight handlers finish within `deadlineMs`, closes. */
  stop(deadlineMs?: number): Promise<void>;
  /** Approximate message counts of the consumed queue and its companions, for healthz. */
  queueDepths?(): Promise<Record<string, number>>;
}
