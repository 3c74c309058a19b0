import type { DeliveryReport, MessageBusObserver } from '@linebacker/messaging';
import type { Logger, ServiceMetrics } from '@linebacker/runtime';

const LEVEL_BY_OUTCOME: Record<DeliveryReport['outcome'], string> = {
  ok: 'info',
  'already-done': 'info',
  deferred: 'warn',
  retried: 'warn',
  requeued: 'warn',
  dropped: 'warn',
  // A dead letter needs a human: the only message outcome logged as an error.
  'dead-lettered': 'error',
};

/**
 * One log line and the metrics per message outcome, plus connection and pause events. A
 * disconnect is a warning unless `isClosing` says the service is closing it on purpose.
 */
export function busObserver(
  logger: Logger,
  metrics: ServiceMetrics,
  isClosing: () => boolean = () => false,
): MessageBusObserver {
  let connectedBefore = false;
  return {
    onDelivery(report) {
      metrics.observeDelivery(report);
      const envelope = report.envelope;
      logger.log(LEVEL_BY_OUTCOME[report.outcome] ?? 'info', 'message handled', {
        subscription: report.subscription,
        outcome: report.outcome,
        requestId: (envelope?.payload as { backupRequestId?: string } | undefined)?.backupRequestId,
        messageId: envelope?.messageId,
        correlationId: envelope?.correlationId,
        attempt: envelope?.attempt,
        errorCode: report.errorCode,
        reason: report.reason,
        durationMs: Math.round(report.durationMs),
      });
    },
    onConnectionChange(state, reason, node) {
      if (state === 'connected' && connectedBefore)
        metrics.reconnects.inc({ connection: 'events' });
      if (state === 'connected') connectedBefore = true;
      const expected = state === 'connected' || isClosing();
      logger.log(expected ? 'info' : 'warn', `broker ${state}`, { reason, node });
    },
    onPause(subscription, paused, reason) {
      logger.warn(paused ? 'subscription paused' : 'subscription resumed', {
        subscription,
        reason,
      });
    },
    onChannelError(channel, message, code) {
      logger.warn('channel closed', { channel, reason: message, code });
    },
    onError(context, error) {
      logger.warn('bus error', { context, error: String(error) });
    },
  };
}

/**
 * Counts the reconnects of a connection outside linebacker's bus (e.g. send-to-interface's
 * to the backup interface) under `connection`. Only a reconnect is logged: a loss already
 * shows as the paused subscription, and a deliberate stop must not log a warning.
 */
export function reconnectCounter(
  logger: Logger,
  metrics: ServiceMetrics,
  connection: string,
): Pick<MessageBusObserver, 'onConnectionChange'> {
  let connectedBefore = false;
  return {
    onConnectionChange(state) {
      if (state !== 'connected') return;
      if (connectedBefore) {
        metrics.reconnects.inc({ connection });
        logger.info(`${connection} broker reconnected`, { connection });
      }
      connectedBefore = true;
    },
  };
}
