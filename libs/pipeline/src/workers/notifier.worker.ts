import { notify, type BackupRequest, type EndStateNotifier } from '@linebacker/domain';
import type { Logger } from '@linebacker/runtime';
import { Counter } from 'prom-client';
import { pipelineSubscriptions } from './subscriptions';
import { requestIdOf, type Worker, type WorkerContext } from './worker';

/** Today's notification: one structured log line per end state (later: a callback). */
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
      });
    },
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
  };
}
