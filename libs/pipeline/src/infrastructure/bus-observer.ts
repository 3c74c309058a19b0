import type { DeliveryReport, MessageBusObserver } from '@linebacker/messaging';
import { logsAt, type Logger, type ServiceMetrics } from '@linebacker/runtime';

/**
 * A message handled as planned is a debug line: at full load it was most of a worker's log
 * volume and a measurable share of its CPU, and the request's journey is in its status history
 * (ADR 0010). Every other outcome stays a warning or an error, with its correlation id.
 */
const LEVEL_BY_OUTCOME: Record<DeliveryReport['outcome'], string> = {
  ok: 'debug',
  'already-done': 'debug',
  deferred: 'warn',
  retried: 'warn',
  requeued: 'warn',
  dropped: 'warn',
  // A dead letter needs a human: the only message outcome logged as an error.
  'dead-lettered': 'error',
};

/**
 * The metrics and a log line per message outcome (debug for a message handled as planned),
 * plus connection and pause events (the node each connect lands on is kept for healthz and
 * counted as a failover when it changed). A disconnect is a warning unless `isClosing` says
 * the service is closing it on purpose.
 */
export function busObserver(
  logger: Logger,
  metrics: ServiceMetrics,
  isClosing: () => boolean = () => false,
): MessageBusObserver {
  return {
    onDelivery(report) {
      metrics.observeDelivery(report);
      const level = LEVEL_BY_OUTCOME[report.outcome] ?? 'info';
      // Below the level, winston would still build and route the line before dropping it.
      if (!logsAt(logger, level)) return;
      const envelope = report.envelope;
      logger.log(level, 'message handled', {
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
      metrics.brokerConnection('events', state, node);
      const expected = state === 'connected' || isClosing();
      logger.log(expected ? 'info' : 'warn', `broker ${state}`, { reason, node });
    },
    onPause(subscription, paused, reason) {
      metrics.subscriptionPaused.set({ subscription }, paused ? 1 : 0);
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
 * Counts the reconnects (and failovers to another node) of a connection outside linebacker's
 * bus (e.g. send-to-interface's to the backup interface) under `connection`. Only a reconnect is logged: a loss already
 * shows as the paused subscription, and a deliberate stop must not log a warning.
 */
export function reconnectCounter(
  logger: Logger,
  metrics: ServiceMetrics,
  connection: string,
): Pick<MessageBusObserver, 'onConnectionChange'> {
  return {
    onConnectionChange(state, _reason, node) {
      const reconnectsBefore = metrics.brokerConnections()[connection]?.reconnects ?? 0;
      metrics.brokerConnection(connection, state, node);
      if ((metrics.brokerConnections()[connection]?.reconnects ?? 0) > reconnectsBefore)
        logger.info(`${connection} broker reconnected`, { connection, node });
    },
  };
}
