import { describeError, errorCodeOf, errorKindOf, PermanentError } from '@linebacker/domain';
import type {
  RawMessageHandler,
  RawMessageReport,
  RawMessageTrace,
  ExternalQueueObserver,
} from '../port/external-queue.port';
import { withDeadline } from './handler-deadline';
import { InFlightTracker } from './in-flight-tracker';
import type { InboundDelivery } from './inbound-delivery';
import { withoutPublishId } from './forward-headers';
import {
  HEADERS,
  headerReason,
  numericHeader,
  stringHeader,
  type MessageHeaders,
} from './message-headers';
import type { PauseController } from './pause-controller';

/** Wiring of the runner for one plain queue. */
export interface RawQueueRunnerOptions {
  queue: string;
  handler: RawMessageHandler;
  handlerTimeoutMs: number;
  /** Confirmed publish into the parking queue (same message id, so a replay keeps it). */
  park(body: Buffer, headers: MessageHeaders, messageId?: string): Promise<void>;
  /** Confirmed publish of a copy back into the consumed queue (same message id). */
  putBack(body: Buffer, headers: MessageHeaders, messageId?: string): Promise<void>;
  /**
   * Broker redeliveries (a worker died or its connection dropped while holding the message)
   * allowed before the message is parked. The count travels in a header of a fresh copy,
   * because a plain queue of unknown type keeps no count of its own. Undefined: no limit.
   */
  redeliveryLimit?: number;
  pauser: PauseController;
  observer?: ExternalQueueObserver;
}

/**
 * The consumer runner for plain queues (foreign messages, no envelope): ack on success;
 * park (confirmed) then ack on a permanent error, so a bad message is never lost and never
 * loops; on anything else pause and put it back, since the fault is ours, not the message's.
 * A message the broker redelivers (its worker died holding it) is counted, and parked past
 * `redeliveryLimit`, so a reply that crashes every worker cannot loop forever.
 */
export class RawQueueRunner {
  /** Handler runs in flight. */
  readonly inFlight = new InFlightTracker();

  constructor(private readonly options: RawQueueRunnerOptions) {}

  /** Handles one delivery to the end; never rejects. */
  async handle(delivery: InboundDelivery, messageId?: string): Promise<void> {
    const started = Date.now();
    const limit = this.options.redeliveryLimit;
    if (limit !== undefined && delivery.redelivered)
      return this.countRedelivery(delivery, limit, messageId, started);
    const run = this.inFlight.begin();
    const report = (
      outcome: RawMessageReport['outcome'],
      error?: unknown,
      trace?: RawMessageTrace | void,
    ) =>
      this.report({
        queue: this.options.queue,
        messageId,
        outcome,
        durationMs: Date.now() - started,
        ...describe(error),
        ...(trace ? { correlationId: trace.correlationId, requestId: trace.requestId } : {}),
      });
    try {
      const raw = {
        body: delivery.body,
        messageId,
        headers: delivery.headers,
        redelivered: delivery.redelivered || handedBack(delivery.headers),
      };
      const result = await withDeadline(
        () => this.options.handler(raw, run.signal),
        this.options.handlerTimeoutMs,
        run,
      );
      if (result.ok) {
        this.options.pauser.noteSuccess();
        return report(delivery.ack() ? 'ok' : 'dropped', undefined, result.value);
      }
      if (errorKindOf(result.error) === 'permanent')
        return await this.park(delivery, messageId, result.error, report);
      const kept = await this.putBackPaused(delivery, messageId, describeError(result.error));
      report(kept ? 'requeued' : 'dropped', result.error);
    } finally {
      this.inFlight.end(run);
    }
  }

  /** A broker redelivery: a fresh copy with the count goes back, or past the limit, parking. */
  private async countRedelivery(
    delivery: InboundDelivery,
    limit: number,
    messageId: string | undefined,
    started: number,
  ): Promise<void> {
    const count = numericHeader(delivery.headers, HEADERS.redeliveries) + 1;
    const report = (outcome: RawMessageReport['outcome'], error?: unknown, reason?: string) =>
      this.report({
        queue: this.options.queue,
        messageId,
        outcome,
        durationMs: Date.now() - started,
        ...describe(error),
        ...(reason ? { reason } : {}),
      });
    if (count > limit) {
      const error = new PermanentError(
        'DeliveryLimitExceeded',
        `delivered ${count} times without being settled (a handler that kills its worker?)`,
      );
      return this.park(delivery, messageId, error, report);
    }
    const headers = { ...withoutPublishId(delivery.headers), [HEADERS.redeliveries]: count };
    try {
      await this.options.putBack(delivery.body, headers, messageId);
    } catch (error) {
      const requeued = await this.requeuePaused(
        delivery,
        `cannot put back: ${describeError(error)}`,
      );
      return report(requeued ? 'requeued' : 'dropped', error);
    }
    report(delivery.ack() ? 'requeued' : 'dropped', undefined, `redelivery ${count} of ${limit}`);
  }

  private async park(
    delivery: InboundDelivery,
    messageId: string | undefined,
    error: unknown,
    report: (outcome: RawMessageReport['outcome'], error?: unknown) => void,
  ): Promise<void> {
    const headers: MessageHeaders = {
      ...delivery.headers,
      [HEADERS.errorCode]: errorCodeOf(error),
      [HEADERS.reason]: headerReason(describeError(error)),
      [HEADERS.parkedAt]: new Date().toISOString(),
      [HEADERS.queue]: stringHeader(delivery.headers, HEADERS.queue) ?? this.options.queue,
    };
    delete headers[HEADERS.publishId];
    try {
      await this.options.park(delivery.body, headers, messageId);
    } catch (parkError) {
      const requeued = await this.requeuePaused(
        delivery,
        `cannot park: ${describeError(parkError)}`,
      );
      return report(requeued ? 'requeued' : 'dropped', parkError);
    }
    report(delivery.ack() ? 'parked' : 'dropped', error);
  }

  /**
   * Pauses, then puts a copy back at the tail (confirmed) and acks the original, so that a
   * long outage of a dependency does not count as redeliveries; requeues if the copy fails.
   */
  private async putBackPaused(
    delivery: InboundDelivery,
    messageId: string | undefined,
    reason: string,
  ): Promise<boolean> {
    this.options.pauser.pause(reason);
    await this.options.pauser.switched();
    const headers = {
      ...withoutPublishId(delivery.headers),
      [HEADERS.putBacks]: numericHeader(delivery.headers, HEADERS.putBacks) + 1,
    };
    try {
      await this.options.putBack(delivery.body, headers, messageId);
    } catch {
      return delivery.requeue();
    }
    return delivery.ack();
  }

  /**
   * Pauses first and waits for the consumer to be cancelled, THEN requeues: otherwise the
   * broker hands the message straight back to the same consumer in a hot loop.
   */
  private async requeuePaused(delivery: InboundDelivery, reason: string): Promise<boolean> {
    this.options.pauser.pause(reason);
    await this.options.pauser.switched();
    return delivery.requeue();
  }

  private report(report: RawMessageReport): void {
    try {
      this.options.observer?.onMessage?.(report);
    } catch {
      // An observer must never decide a message's fate.
    }
  }
}

/** A copy a runner put back (after a failure or a broker redelivery), not a first delivery. */
function handedBack(headers: MessageHeaders): boolean {
  return (
    numericHeader(headers, HEADERS.putBacks) > 0 || numericHeader(headers, HEADERS.redeliveries) > 0
  );
}

function describe(error: unknown): Pick<RawMessageReport, 'errorCode' | 'reason'> {
  return error === undefined ? {} : { errorCode: errorCodeOf(error), reason: describeError(error) };
}
