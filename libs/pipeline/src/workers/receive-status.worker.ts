import { receiveStatus, type StoreStatusReply } from '@linebacker/domain';
import type { ProbedJobService } from './check-allowed.worker';
import { pipelineSubscriptions } from './subscriptions';
import type { Worker, WorkerContext } from './worker';

/** receive-status: `store-status.received` → reply rules → Succeeded (with Backup) | Failed. */
export function receiveStatusWorker(ctx: WorkerContext, jobs: ProbedJobService): Worker {
  const deps = {
    requests: ctx.requests,
    jobs,
    ids: ctx.ids,
    clock: ctx.clock,
    service: ctx.service,
  };
  return {
    subscriptions: [
      {
        definition: pipelineSubscriptions(ctx.config).receiveStatus,
        handler: async (envelope) => {
          const reply = envelope.payload as unknown as StoreStatusReply;
          const result = await receiveStatus(deps, { reply, messageId: envelope.messageId });
          return result.outcome === 'applied' ? 'ok' : 'already-done';
        },
        options: { probe: async () => jobs.isAvailable?.() ?? true },
      },
    ],
  };
}
