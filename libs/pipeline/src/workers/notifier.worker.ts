import { notify, type BackupRequest, type EndStateNotifier } from '@linebacker/domain';
import {
  CallbackNotifier,
  CallbackPolicy,
  HttpCallbackSender,
  type CallbackAttempt,
  type CallbackDeliverySettings,
} from '@linebacker/callbacks';
import { logsAt, type Logger } from '@linebacker/runtime';
import { Counter, Histogram } from 'prom-client';
import { pipelineSubscriptions } from './subscriptions';
import { requestIdOf, type Worker, type WorkerContext } from './worker';

/** One structured log line per end state. */
export function logNotifier(logger: Logger): EndStateNotifier {
  return {
    async notify(request: BackupRequest) {
      logger.info('backup request ended', {
        outcome: 'notified',
        requestId: request.backupRequestId,
        correlationId: request.correlationId,
        status: request.statusTypeCode,
        backupJobId: request.backupJobId,
        requesterId: request.requesterId,
        replyMessageText: request.replyMessageText,
        callback: request.callbackUrl !== null,
      });
    },
  };
}

/** Counts and logs each callback attempt (the runner logs the message's outcome). */
function attemptObserver(ctx: WorkerContext): (attempt: CallbackAttempt) => void {
  const attempts = new Counter({
    name: 'linebacker_callback_attempts_total',
    help: 'Callback POSTs by outcome: delivered, failed (retried), rejected (4xx), refused (policy), circuit-open',
    labelNames: ['outcome'] as const,
    registers: [ctx.metrics.registry],
  });
  const duration = new Histogram({
    name: 'linebacker_callback_attempt_duration_seconds',
    help: 'Callback POST duration by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [ctx.metrics.registry],
  });
  return (attempt) => {
    attempts.inc({ outcome: attempt.outcome });
    duration.observe({ outcome: attempt.outcome }, attempt.durationMs / 1000);
    const level = attempt.outcome === 'delivered' ? 'info' : 'warn';
    ctx.logger[level]('callback attempt', {
      requestId: attempt.eventId.split(':')[0],
      eventId: attempt.eventId,
      outcome: attempt.outcome,
      host: attempt.host,
      statusCode: attempt.statusCode,
      durationMs: Math.round(attempt.durationMs),
      reason: attempt.reason,
    });
  };
}

/** The notifier's production notifications: the log line (or `first`), then the callback if any. */
export function endStateNotifier(
  ctx: WorkerContext,
  settings: CallbackDeliverySettings,
  first: EndStateNotifier = logNotifier(ctx.logger),
): EndStateNotifier {
  const sender = new HttpCallbackSender(
    new CallbackPolicy(settings),
    { timeoutMs: settings.callbackTimeoutMs, breakerResetMs: settings.callbackBreakerResetMs },
    attemptObserver(ctx),
  );
  const callbacks = new CallbackNotifier({
    sender,
    backups: ctx.backups,
    attempts: ctx.callbackAttempts,
    clock: ctx.clock,
    signingKeys: settings.callbackSigningKeys,
  });
  return {
    async notify(request) {
      await first.notify(request);
      await callbacks.notify(request);
    },
    close: () => callbacks.close(),
  };
}

/** notifier: end-state events → notify the request's end state; `sent` → a progress line. */
export function notifierWorker(
  ctx: WorkerContext,
  notifier: EndStateNotifier = logNotifier(ctx.logger),
): Worker {
  const deps = { requests: ctx.requests, notifier };
  const ended = new Counter({
    name: 'linebacker_requests_ended_total',
    help: 'End states notified, by status (a redelivered end-state event counts again)',
    labelNames: ['status'] as const,
    registers: [ctx.metrics.registry],
  });
  const subscriptions = pipelineSubscriptions(ctx.config);
  return {
    subscriptions: [
      {
        definition: subscriptions.notifierProgress,
        handler: async (envelope) => {
          if (!logsAt(ctx.logger, 'debug')) return 'ok';
          ctx.logger.debug('backup request sent to the interface', {
            requestId: requestIdOf(envelope),
            correlationId: envelope.correlationId,
          });
          return 'ok';
        },
      },
      {
        definition: subscriptions.notifier,
        handler: async (envelope) => {
          const request = await notify(deps, { backupRequestId: requestIdOf(envelope) });
          ended.inc({ status: request.statusTypeCode });
          return 'ok';
        },
      },
    ],
    stop: async () => notifier.close?.(),
  };
}
