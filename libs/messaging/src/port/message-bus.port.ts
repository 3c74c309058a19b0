import type { Envelope, OutgoingMessage } from './envelope';

/** Retry policy of one subscription: capped exponential backoff, bounded attempts. */
export interface RetryPolicy {
  /** Total deliveries allowed for transient failures before dead-lettering (>= 1). */
  maxAttempts: number;
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Upper bound of any retry delay (also used for `unavailable` retries). */
  maxDelayMs: number;
}

/** A logical endpoint an app consumes: the bus maps it to queues, bindings and companions. */
export interface SubscriptionDefinition {
  /** The consuming app, e.g. `check-allowed`; prefixes every queue name. */
  app: string;
  /** The subscription's name within the app, e.g. `backup-request.received`. */
  name: string;
  /** Event types (routing keys) delivered to this subscription. */
  eventTypes: readonly string[];
  /** Deliveries in flight per consumer (bounded). */
  prefetch: number;
  retry: RetryPolicy;
  /** A handler still running after this long is treated as a transient failure. */
  handlerTimeoutMs: number;
}

/** A consumed message plus facts about its delivery. */
export interface DeliveryContext {
  /** The subscription's queue name. */
  queue: string;
  /** True when the broker says this delivery was delivered before (crash or reconnect). */
  redelivered: boolean;
  /** Aborted when the handler deadline passes or the bus stops. */
  signal: AbortSignal;
}

/**
 * What a handler reports. Returning normally means the effects are committed: `ok` or
 * `already-done` (an idempotent repeat); both ack. Throwing a LinebackerError decides the
 * rest by its kind: permanent → dead-letter now; transient → delayed retry, then
 * dead-letter; unavailable → delayed retry without spending an attempt, and a pause.
 */
export type HandlerOutcome = 'ok' | 'already-done';

/** A subscription's handler. */
export type MessageHandler = (
  envelope: Envelope,
  context: DeliveryContext,
) => Promise<HandlerOutcome>;

/** Everything the consumer runner decided, for logs and metrics. */
export interface DeliveryReport {
  subscription: string;
  /**
   * Null when the body is not a valid envelope; a message refused for its type or payload
   * comes with an empty payload (nobody sees a payload its schema did not pass).
   */
  envelope: Envelope | null;
  /**
   * `retried`: republished to a delay queue with attempt+1; `deferred`: an `unavailable`
   * failure, retried later without spending an attempt; `requeued`: handed back to the broker
   * (the runner could not settle it, or a classic-queue redelivery was counted); `dropped`:
   * its channel died first, so nothing was acked and the broker redelivers it.
   */
  outcome:
    'ok' | 'already-done' | 'retried' | 'dead-lettered' | 'deferred' | 'requeued' | 'dropped';
  errorCode?: string;
  errorKind?: string;
  reason?: string;
  durationMs: number;
  /** The subscription's queue. */
  queue?: string;
  /** The broker's redelivered flag for this delivery. */
  redelivered?: boolean;
}

/** A dead-lettered message as an operator sees it. */
export interface DeadLetter {
  /** Opaque handle for inspect/replay of this one message. */
  id: string;
  envelope: Envelope | null;
  rawBody: string;
  errorCode: string;
  reason: string;
  originalRoutingKey: string;
  deadLetteredAt: string;
  /** Every header the dead letter carries (ours, and the broker's `x-death`). */
  headers: Record<string, unknown>;
}

/** Operator tooling over a subscription's dead-letter queue. */
export interface DeadLetterOperations {
  /** The oldest `limit` dead letters, without removing any of them. */
  list(subscription: SubscriptionDefinition, limit: number): Promise<DeadLetter[]>;
  /** One dead letter by its id, or null when it is not (or no longer) there. */
  inspect(subscription: SubscriptionDefinition, id: string): Promise<DeadLetter | null>;
  /** Moves dead letters back to the subscription's queue (all, or those with these ids). */
  replay(subscription: SubscriptionDefinition, ids?: readonly string[]): Promise<number>;
  /** Deletes every dead letter of the subscription; returns how many. */
  purge(subscription: SubscriptionDefinition): Promise<number>;
  /** Dead letters waiting (ready, not held by an ongoing list). */
  depth(subscription: SubscriptionDefinition): Promise<number>;
}

/** What the broker reports about one subscription's queues right now. */
export interface QueueStats {
  /** The subscription's main queue (namespace applied). */
  queue: string;
  /** Messages ready in the main queue (not counting deliveries held unacked). */
  messages: number;
  /** Consumers attached to the main queue, across every instance of the app. */
  consumers: number;
  /** Messages waiting in the subscription's retry delay queues. */
  retrying: number;
  /** Messages in the subscription's dead-letter queue. */
  deadLetters: number;
}

/** A running subscription. */
export interface Subscription {
  readonly definition: SubscriptionDefinition;
  /** Consumers currently attached for this subscription (0 while paused or disconnected). */
  consumerCount(): number;
  /** True while the subscription is paused after an `unavailable` failure. */
  isPaused(): boolean;
  /** How many times a consumer was attached (1 after start; +1 per resume or reconnect). */
  attachCount(): number;
}

/** Per-subscription options that are behaviour, not topology. */
export interface SubscribeOptions {
  /**
   * Asked when a pause ends; the subscription resumes only when it resolves true (a false
   * or a rejection extends the pause with backoff). Without it the pause simply ends.
   */
  probe?: () => Promise<boolean>;
}

/** Observations the bus reports (to logs and metrics). */
export interface MessageBusObserver {
  onDelivery?(report: DeliveryReport): void;
  /** `node` is the `host:port` the connection goes (or went) to, when known. */
  onConnectionChange?(state: 'connected' | 'disconnected', reason?: string, node?: string): void;
  onPause?(subscription: string, paused: boolean, reason?: string): void;
  /** A channel closed by the broker or the client library (reply code when known). */
  onChannelError?(channel: string, message: string, code?: number): void;
  /** A failure outside any one delivery (topology, probe, reconnect attempt). */
  onError?(context: string, error: unknown): void;
}

/**
 * linebacker's broker-neutral message bus. `publish` resolves only when the broker has
 * confirmed the message (persistent, mandatory); while disconnected it rejects at once with
 * an `unavailable` error instead of buffering. `subscribe` attaches the one consumer runner
 * that acks, retries and dead-letters. Implementations: AmqpMessageBus, InMemoryMessageBus.
 */
export interface MessageBus {
  /** Connects and declares topology; resolves when ready (bounded retries, then rejects). */
  start(): Promise<void>;
  /** Publishes one message; resolves on broker confirm, rejects `unavailable` when disconnected. */
  publish(message: OutgoingMessage): Promise<void>;
  /** Publishes many with pipelined confirms; resolves when every one is confirmed. */
  publishBatch(messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Declares the subscriptions' topology (queues, bindings, companions) without consuming,
   * so messages published before their consumer starts are kept. Idempotent.
   */
  declare(definitions: readonly SubscriptionDefinition[]): Promise<void>;
  /**
   * Attaches the consumer runner to a subscription. Rejects (permanent `MissingPayloadSchema`)
   * before declaring anything when one of its event types has no registered payload schema.
   * The runner dead-letters (`UnexpectedType`) any envelope of a type the subscription does
   * not list, or at a version with no schema.
   */
  subscribe(
    definition: SubscriptionDefinition,
    handler: MessageHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Connected, topology declared and every subscription's consumer attached (or paused). */
  isReady(): boolean;
  readonly deadLetters: DeadLetterOperations;
  /**
   * Depth, consumers, retrying and dead letters of a subscription's queues, read from the
   * broker (any app's subscription, not only this bus's own). Rejects `unavailable` while
   * disconnected and `QueueNotFound` when the subscription was never declared.
   */
  queueStats(definition: SubscriptionDefinition): Promise<QueueStats>;
  /** Cancels consumers, waits up to `deadlineMs` for in-flight handlers, closes. */
  stop(deadlineMs?: number): Promise<void>;
}
