import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { describeError, errorCodeOf, errorKindOf, PermanentError } from '@linebacker/domain';
import {
  withDeadline,
  type HandlerRun,
  type ExternalQueueObserver,
  type InFlightTracker,
  type PauseController,
  type RawMessageHandler,
  type RawMessageReport,
  type RawMessageTrace,
} from '@linebacker/messaging';
import { classifyAzureError } from './azure-errors';
import { encodePoison } from './poison-message';
import { decodeMessage, type AzureMessageEncoding } from './queue-connection';

/** Wiring of the runner for one Azure queue. */
export interface AzureMessageRunnerOptions {
  queue: string;
  client: QueueClient;
  poison: QueueClient;
  handler: RawMessageHandler;
  handlerTimeoutMs: number;
  deliveryLimit: number;
  encoding: AzureMessageEncoding;
  pauser: PauseController;
  inFlight: InFlightTracker;
  observer?: ExternalQueueObserver;
}

type Report = (
  outcome: RawMessageReport['outcome'],
  error?: unknown,
  trace?: RawMessageTrace | void,
) => void;

/** Put-backs remembered per message, so a long outage does not use up the delivery limit. */
const MAX_REMEMBERED_PUT_BACKS = 10_000;

/**
 * The one place that settles an Azure queue message: delete after the handler resolved;
 * poison (confirmed by the service) then delete on a permanent error or past the delivery
 * limit; on anything else pause and make the message visible again at once.
 */
export class AzureMessageRunner {
  /** Our own put-backs per message id: the service's dequeueCount counts them too. */
  private readonly putBacks = new Map<string, number>();

  constructor(private readonly options: AzureMessageRunnerOptions) {}

  /** Creates `<queue>-poison` if missing. */
  async createPoisonQueue(): Promise<void> {
    await this.options.poison.createIfNotExists();
  }

  /** Handles one received message to the end; never rejects. */
  async handle(message: DequeuedMessageItem): Promise<void> {
    const run = this.options.inFlight.begin();
    try {
      await this.settle(message, run);
    } finally {
      this.options.inFlight.end(run);
    }
  }

  private async settle(message: DequeuedMessageItem, run: HandlerRun): Promise<void> {
    const started = Date.now();
    const report: Report = (outcome, error, trace) =>
      this.report({
        queue: this.options.queue,
        messageId: message.messageId,
        outcome,
        durationMs: Date.now() - started,
        ...(error === undefined
          ? {}
          : { errorCode: errorCodeOf(error), reason: describeError(error) }),
        ...(trace ? { correlationId: trace.correlationId, requestId: trace.requestId } : {}),
      });
    const ours = this.putBacks.get(message.messageId) ?? 0;
    const receives = message.dequeueCount - ours;
    if (receives > this.options.deliveryLimit) {
      const error = new PermanentError(
        'DeliveryLimitExceeded',
        `received ${receives} times without being settled (a handler that kills its worker?)`,
      );
      return this.poison(message, error, report);
    }
    let body: Buffer;
    try {
      body = decodeMessage(message.messageText, this.options.encoding);
    } catch (error) {
      return this.poison(message, error, report);
    }
    const result = await withDeadline(
      () =>
        this.options.handler(
          { body, messageId: message.messageId, headers: {}, redelivered: receives > 1 },
          run.signal,
        ),
      this.options.handlerTimeoutMs,
      run,
    );
    if (result.ok) {
      this.options.pauser.noteSuccess();
      const deleted = await this.delete(message);
      return report(deleted ? 'ok' : 'dropped', undefined, result.value);
    }
    if (errorKindOf(result.error) === 'permanent')
      return await this.poison(message, result.error, report);
    await this.putBack(message, describeError(result.error));
    report('requeued', result.error);
  }

  private async poison(
    message: DequeuedMessageItem,
    error: unknown,
    report: Report,
  ): Promise<void> {
    const text = encodePoison({
      queue: this.options.queue,
      errorCode: errorCodeOf(error),
      reason: describeError(error),
      parkedAt: new Date().toISOString(),
      dequeueCount: message.dequeueCount,
      messageId: message.messageId,
      messageText: message.messageText,
    });
    try {
      // The poison copy is stored before the original goes: a crash in between leaves a
      // duplicate in the poison queue, never a lost message.
      await this.options.poison.sendMessage(text, { messageTimeToLive: -1 });
    } catch (poisonError) {
      const classified = classifyAzureError(poisonError, `poison ${this.options.queue}`);
      await this.putBack(message, `cannot poison: ${classified.message}`);
      return report('requeued', classified);
    }
    const deleted = await this.delete(message);
    report(deleted ? 'parked' : 'dropped', error);
  }

  /** Pauses, then makes the message visible again now instead of after the visibility timeout. */
  private async putBack(message: DequeuedMessageItem, reason: string): Promise<void> {
    this.options.pauser.pause(reason);
    await this.options.pauser.switched();
    this.rememberPutBack(message.messageId);
    try {
      await this.options.client.updateMessage(message.messageId, message.popReceipt, undefined, 0);
    } catch (error) {
      // It reappears when its visibility timeout ends, all the same.
      this.options.observer?.onError?.(`${this.options.queue}: put back`, error);
    }
  }

  /** Deletes a settled message; false when its pop receipt is stale (it was received again). */
  private async delete(message: DequeuedMessageItem): Promise<boolean> {
    try {
      await this.options.client.deleteMessage(message.messageId, message.popReceipt);
      this.putBacks.delete(message.messageId);
      return true;
    } catch (error) {
      this.options.observer?.onError?.(
        `${this.options.queue}: delete`,
        classifyAzureError(error, `delete from ${this.options.queue}`),
      );
      return false;
    }
  }

  private rememberPutBack(messageId: string): void {
    if (this.putBacks.size >= MAX_REMEMBERED_PUT_BACKS && !this.putBacks.has(messageId)) {
      const oldest = this.putBacks.keys().next().value;
      if (oldest !== undefined) this.putBacks.delete(oldest);
    }
    this.putBacks.set(messageId, (this.putBacks.get(messageId) ?? 0) + 1);
  }

  private report(report: RawMessageReport): void {
    try {
      this.options.observer?.onMessage?.(report);
    } catch {
      // An observer must never decide a message's fate.
    }
  }
}
