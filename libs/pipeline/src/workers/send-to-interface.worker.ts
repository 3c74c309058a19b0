import { resendToInterface, sendToInterface, type BackupInterface } from '@linebacker/domain';
import { pipelineSubscriptions } from './subscriptions';
import { requestIdOf, stepHandler, type Worker, type WorkerContext } from './worker';

/** The backup interface as a worker holds it: a port plus its own connection lifecycle. */
export interface ManagedBackupInterface extends BackupInterface {
  start?(): Promise<void>;
  stop?(deadlineMs: number): Promise<void>;
  isReady?(): boolean;
}

/**
 * send-to-interface: `backup-request.allowed` → send (message id = request id) → Sent; and
 * `backup-request.reply-overdue` → the same send again while the request is still Sent.
 */
export function sendToInterfaceWorker(
  ctx: WorkerContext,
  backupInterface: ManagedBackupInterface,
): Worker {
  const deps = { requests: ctx.requests, backupInterface, clock: ctx.clock, service: ctx.service };
  return {
    subscriptions: [
      {
        definition: pipelineSubscriptions(ctx.config).sendToInterface,
        handler: stepHandler((backupRequestId, envelope) =>
          sendToInterface(deps, { backupRequestId, messageId: envelope.messageId }),
        ),
        options: { probe: async () => backupInterface.isReady?.() ?? true },
      },
      {
        definition: pipelineSubscriptions(ctx.config).sendToInterfaceResend,
        handler: async (envelope) => {
          const backupRequestId = requestIdOf(envelope);
          const outcome = await resendToInterface(deps, { backupRequestId });
          ctx.logger.info('backup request re-sent after its reply deadline', {
            requestId: backupRequestId,
            messageId: envelope.messageId,
            correlationId: envelope.correlationId,
            outcome,
          });
          return outcome === 'resent' ? 'ok' : 'already-done';
        },
        options: { probe: async () => backupInterface.isReady?.() ?? true },
      },
    ],
    beforeConsume: async () => backupInterface.start?.(),
    stop: async (deadlineMs) => backupInterface.stop?.(deadlineMs),
    isReady: () => backupInterface.isReady?.() ?? true,
  };
}
