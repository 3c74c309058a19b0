import { describeError, errorCodeOf, errorKindOf } from '@linebacker/domain';
import type {
  RawMessageHandler,
  RawMessageReport,
  RawMessageTrace,
  ExternalQueueObserver,
} from '../port/external-queue.port';
import { withDeadline } from './handler-deadline';
import { InFlightTracker } from './in-flight-tracker';
import type { InboundDelivery } from './inbound-delivery';
import { HEADERS, headerReason, stringHeader, type MessageHeaders } from './message-headers';
import type { PauseController } from './pause-controller';

/** Wiring of the runner for one plain queue. */
export interface RawQueueRunnerOptions {
  queue: string;
  handler: RawMessageHandler;
  handlerTimeoutMs: number;
  /** Confirmed publish into the parking queue. */
  park(body: Buffer, headers: MessageHeaders): Promise<void>;
  pauser: PauseController;
  observer?: ExternalQueueObserver;
}

/**
 * The consumer runner for plain queues (foreign messages, no envelope): ack on success;
 * park (confirmed) then ack on a permanent error, so a bad message is never lost and never
 * loops; on anything else requeue and pause, since the fault is ours, not the message's.
 */
export class RawQueueRunner {
  /** Handler runs in flight. */
  readonly inFlight = new InFlightTracker();

  constructor(private readonly options: RawQueueRunnerOptions) {}

  /** Handles one delivery to the end; never rejects. */
  async handle(delivery: InboundDelivery, messageId?: string): Promise<void> {
    const started = Date.now();
    const controller = this.inFlight.begin();
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
        redelivered: delivery.redelivered,
      };
      const result = await withDeadline(
        (signal) => this.options.handler(raw, signal),
        this.options.handlerTimeoutMs,
        controller,
      );
      if (result.ok) {
        this.options.pauser.noteSuccess();
        return report(delivery.ack() ? 'ok' : 'dropped', undefined, result.value);
      }
      if (errorKindOf(result.error) === 'permanent')
        return await this.park(delivery, result.error, report);
      const requeued = await this.requeuePaused(delivery, describeError(result.error));
      report(requeued ? 'requeued' : 'dropped', result.error);
    } finally {
      this.inFlight.end(controller);
    }
  }

  private async park(
    delivery: InboundDelivery,
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
      await this.options.park(delivery.body, headers);
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

function describe(error: unknown): Pick<RawMessageReport, 'errorCode' | 'reason'> {
  return error === undefined ? {} : { errorCode: errorCodeOf(error), reason: describeError(error) };
}
