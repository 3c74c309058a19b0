import type {
  ExternalQueueConsumer,
  ExternalQueueObserver,
  RawMessageHandler,
} from '@linebacker/messaging';
import { logsAt, type Logger, type ServiceMetrics } from '@linebacker/runtime';
import { parseInterfaceReply, storeStatusMessage } from '../messages/interface-reply';
import { interfaceQueueDetails } from './interface-queue-details';
import type { Worker, WorkerContext } from './worker';

/** Builds the consumer of the interface's reply queue around the receiver's handler. */
export type ReplyConsumerFactory = (
  handler: RawMessageHandler,
  observer: ExternalQueueObserver,
) => ExternalQueueConsumer;

/**
 * The metrics and a log line per reply outcome (debug when stored as planned; a parked reply
 * needs a human, so it is an error); a reconnect of the interface broker counts under
 * `connection="interface"`.
 */
export function replyQueueObserver(
  logger: Logger,
  metrics: ServiceMetrics,
  isClosing: () => boolean = () => false,
): ExternalQueueObserver {
  return {
    onMessage(report) {
      metrics.messagesHandled.inc({ subscription: report.queue, outcome: report.outcome });
      metrics.handlerDuration.observe({ subscription: report.queue }, report.durationMs / 1000);
      // As for the events' deliveries (busObserver): a reply stored as planned is a debug line.
      const level =
        report.outcome === 'parked' ? 'error' : report.outcome === 'ok' ? 'debug' : 'warn';
      if (!logsAt(logger, level)) return;
      logger.log(level, 'reply handled', {
        subscription: report.queue,
        messageId: report.messageId,
        requestId: report.requestId,
        correlationId: report.correlationId,
        outcome: report.outcome,
        errorCode: report.errorCode,
        reason: report.reason,
        durationMs: Math.round(report.durationMs),
      });
    },
    onConnectionChange: (state, reason, node) => {
      metrics.brokerConnection('interface', state, node);
      logger.log(
        state === 'connected' || isClosing() ? 'info' : 'warn',
        `interface broker ${state}`,
        { reason, node },
      );
    },
    onPause: (queue, paused, reason) => {
      metrics.subscriptionPaused.set({ subscription: queue }, paused ? 1 : 0);
      logger.warn(paused ? 'reply queue paused' : 'reply queue resumed', { queue, reason });
    },
    onChannelError: (channel, message, code) =>
      logger.warn('channel closed', { channel, reason: message, code }),
    onError: (context, error) =>
      logger.warn('reply queue error', { context, error: String(error) }),
  };
}

/**
 * interface-receiver: validates each reply from the backup interface, republishes it inside
 * linebacker as `store-status.received` (confirmed) and only then lets the consumer ack it.
 * An unparseable or invalid reply throws a permanent error and is parked with the reason.
 */
export function interfaceReceiverWorker(
  ctx: WorkerContext,
  consumerFor: ReplyConsumerFactory,
): Worker {
  const handler: RawMessageHandler = async (message) => {
    const reply = parseInterfaceReply(message.body);
    // The request's correlation id keeps one id across the whole journey; the lookup is a
    // courtesy, so a database hiccup must not hold up replies.
    const request = await ctx.requests.findById(reply.backupRequestId).catch(() => null);
    const correlationId = request?.correlationId ?? reply.backupRequestId;
    await ctx.bus.publish(storeStatusMessage(reply, correlationId));
    return { correlationId, requestId: reply.backupRequestId };
  };
  let closing = false;
  const consumer = consumerFor(
    handler,
    replyQueueObserver(ctx.logger, ctx.metrics, () => closing),
  );
  return {
    subscriptions: [],
    afterConsume: () => consumer.start(),
    stop: (deadlineMs) => {
      closing = true;
      return consumer.stop(deadlineMs);
    },
    isReady: () => consumer.isReady(),
    consumerCount: () => consumer.consumerCount(),
    details: () => interfaceQueueDetails(() => consumer.queueDepths?.()),
  };
}
