import { PermanentError, describeError, errorCodeOf, errorKindOf } from '@linebacker/domain';
import type { EnvelopeCodec } from '../envelope/envelope-codec';
import type { Envelope } from '../port/envelope';
import type {
  DeliveryReport,
  MessageBusObserver,
  MessageHandler,
  SubscriptionDefinition,
} from '../port/message-bus.port';
import { retryDelayForStep } from '../retry/retry-levels';
import { runWithDeadline } from './handler-deadline';
import { InFlightTracker, type HandlerRun } from './in-flight-tracker';
import { deadLetterHeaders, retryHeaders, withoutPublishId } from './forward-headers';
import type { InboundDelivery, SubscriptionTransport } from './inbound-delivery';
import { HEADERS, numericHeader } from './message-headers';
import type { PauseController } from './pause-controller';
import { SubscriptionGate } from './subscription-gate';

/** Everything one subscription's runner needs. */
export interface ConsumerRunnerOptions {
  definition: SubscriptionDefinition;
  queue: string;
  handler: MessageHandler;
  codec: EnvelopeCodec;
  transport: SubscriptionTransport;
  pauser: PauseController;
  observer?: MessageBusObserver;
  /**
   * Classic queues only: broker redeliveries allowed before dead-lettering. Quorum queues
   * count deliveries themselves (`x-delivery-limit`), so leave it undefined there.
   */
  redeliveryLimit?: number;
}

type Report = Pick<DeliveryReport, 'outcome' | 'errorCode' | 'errorKind' | 'reason'>;

const failureReport = (outcome: DeliveryReport['outcome'], error: unknown): Report => ({
  outcome,
  errorCode: errorCodeOf(error),
  errorKind: errorKindOf(error),
  reason: describeError(error),
});

/**
 * The one place that acks, retries and dead-letters. Every copy it hands on (to a delay
 * queue, the dead-letter queue or back to the main queue) is confirmed by the broker BEFORE
 * the original is acked, so a crash in between yields a duplicate, never a loss.
 */
export class ConsumerRunner {
  /** Handler runs in flight; `stop` drains and aborts through it. */
  readonly inFlight = new InFlightTracker();
  private readonly label: string;
  private readonly gate: SubscriptionGate;

  /** Throws `MissingPayloadSchema` when an event type of the subscription has no schema. */
  constructor(private readonly options: ConsumerRunnerOptions) {
    this.label = `${options.definition.app}.${options.definition.name}`;
    this.gate = new SubscriptionGate(options.definition, options.codec);
  }

  /** Handles one delivery to the end; never rejects. */
  async handle(delivery: InboundDelivery): Promise<void> {
    const started = Date.now();
    const run = this.inFlight.begin();
    try {
      await this.process(delivery, run, started);
    } catch (error) {
      // A fault in the runner itself: hand the delivery back rather than lose it.
      const requeued = await this.requeuePaused(delivery, `runner fault: ${describeError(error)}`);
      this.report(delivery, null, started, failureReport(requeued ? 'requeued' : 'dropped', error));
    } finally {
      this.inFlight.end(run);
    }
  }

  private async process(
    delivery: InboundDelivery,
    run: HandlerRun,
    started: number,
  ): Promise<void> {
    if (this.options.redeliveryLimit !== undefined && delivery.redelivered)
      return this.countRedelivery(delivery, this.options.redeliveryLimit, started);
    const admission = this.gate.admit(delivery.body);
    if (!admission.admitted)
      return this.deadLetter(delivery, admission.envelope, admission.error, started);
    const { envelope } = admission;
    const context = { queue: this.options.queue, redelivered: delivery.redelivered };
    const result = await runWithDeadline(
      this.options.handler,
      envelope,
      context,
      this.options.definition.handlerTimeoutMs,
      run,
    );
    if (!result.ok) return this.fail(delivery, envelope, result.error, started);
    this.options.pauser.noteSuccess();
    const acked = delivery.ack();
    this.report(delivery, envelope, started, { outcome: acked ? result.value : 'dropped' });
  }

  private fail(
    delivery: InboundDelivery,
    envelope: Envelope,
    error: unknown,
    started: number,
  ): Promise<void> {
    const kind = errorKindOf(error);
    const { retry } = this.options.definition;
    if (kind === 'permanent') return this.deadLetter(delivery, envelope, error, started);
    if (kind === 'unavailable') {
      // Not the message's fault: same attempt, and stop taking deliveries for a while.
      const delayMs = this.options.pauser.pause(describeError(error));
      return this.retry(delivery, envelope, envelope.attempt, delayMs, error, started);
    }
    if (envelope.attempt >= retry.maxAttempts) {
      const reason = `attempt ${envelope.attempt} of ${retry.maxAttempts} failed: ${describeError(error)}`;
      return this.deadLetter(delivery, envelope, error, started, reason);
    }
    const delayMs = retryDelayForStep(retry, envelope.attempt);
    return this.retry(delivery, envelope, envelope.attempt + 1, delayMs, error, started);
  }

  private retry(
    delivery: InboundDelivery,
    envelope: Envelope,
    attempt: number,
    delayMs: number,
    error: unknown,
    started: number,
  ): Promise<void> {
    const body = this.options.codec.encode({ ...envelope, attempt });
    const headers = retryHeaders(delivery, envelope, attempt, error);
    const outcome = errorKindOf(error) === 'unavailable' ? 'deferred' : 'retried';
    const send = () => this.options.transport.sendToRetry(delayMs, body, headers);
    return this.forward(delivery, envelope, send, failureReport(outcome, error), started);
  }

  private deadLetter(
    delivery: InboundDelivery,
    envelope: Envelope | null,
    error: unknown,
    started: number,
    reason = describeError(error),
  ): Promise<void> {
    const headers = deadLetterHeaders(delivery, envelope, error, reason, this.options.queue);
    const report = { ...failureReport('dead-lettered', error), reason };
    const send = () => this.options.transport.sendToDeadLetter(delivery.body, headers);
    return this.forward(delivery, envelope, send, report, started);
  }

  private countRedelivery(delivery: InboundDelivery, limit: number, started: number) {
    const count = numericHeader(delivery.headers, HEADERS.redeliveries) + 1;
    if (count > limit) {
      const error = new PermanentError(
        'DeliveryLimitExceeded',
        `delivered ${count} times without being settled (a handler that kills its worker?)`,
      );
      return this.deadLetter(delivery, this.tryDecode(delivery), error, started);
    }
    // Classic queues keep no delivery count, so the count travels in the message: a fresh
    // copy with the count goes back to the queue (confirmed) before the original is acked.
    const headers = { ...withoutPublishId(delivery.headers), [HEADERS.redeliveries]: count };
    const send = () => this.options.transport.sendToMain(delivery.body, headers);
    const report: Report = { outcome: 'requeued', reason: `redelivery ${count} of ${limit}` };
    return this.forward(delivery, this.tryDecode(delivery), send, report, started);
  }

  /** Hands a copy on (confirmed), then acks the original; never acks if the copy failed. */
  private async forward(
    delivery: InboundDelivery,
    envelope: Envelope | null,
    send: () => Promise<void>,
    report: Report,
    started: number,
  ): Promise<void> {
    try {
      await send();
    } catch (error) {
      // Without a durable copy the original must stay. Give it back, and pause so a broken
      // companion queue does not turn into a hot redelivery loop.
      const requeued = await this.requeuePaused(
        delivery,
        `cannot hand on: ${describeError(error)}`,
      );
      const outcome = requeued ? 'requeued' : 'dropped';
      return this.report(delivery, envelope, started, failureReport(outcome, error));
    }
    const acked = delivery.ack();
    this.report(delivery, envelope, started, acked ? report : { ...report, outcome: 'dropped' });
  }

  /** Pauses, waits until the consumer is cancelled, then requeues (else it comes right back). */
  private async requeuePaused(delivery: InboundDelivery, reason: string): Promise<boolean> {
    this.options.pauser.pause(reason);
    await this.options.pauser.switched();
    return delivery.requeue();
  }

  private tryDecode(delivery: InboundDelivery): Envelope | null {
    try {
      return this.options.codec.decode(delivery.body);
    } catch {
      return null;
    }
  }

  private report(
    delivery: InboundDelivery,
    envelope: Envelope | null,
    started: number,
    report: Report,
  ): void {
    const full: DeliveryReport = {
      subscription: this.label,
      envelope,
      durationMs: Date.now() - started,
      queue: this.options.queue,
      redelivered: delivery.redelivered,
      ...report,
    };
    try {
      this.options.observer?.onDelivery?.(full);
    } catch {
      // An observer must never decide a delivery's fate.
    }
  }
}
