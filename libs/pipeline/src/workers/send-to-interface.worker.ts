import { sendToInterface, type BackupInterface } from '@linebacker/domain';
import { pipelineSubscriptions } from './subscriptions';
import { stepHandler, type Worker, type WorkerContext } from './worker';

/** The backup interface as a worker holds it: a port plus its own connection lifecycle. */
export interface ManagedBackupInterface extends BackupInterface {
  start?(): Promise<void>;
  stop?(deadlineMs: number): Promise<void>;
  isReady?(): boolean;
}

/** send-to-interface: `backup-request.allowed` → send (message id = request id) → Sent. */
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
    ],
    beforeConsume: async () => backupInterface.start?.(),
    stop: async (deadlineMs) => backupInterface.stop?.(deadlineMs),
    isReady: () => backupInterface.isReady?.() ?? true,
  };
}
