import { checkAllowed, type BackupJobService } from '@linebacker/domain';
import { pipelineSubscriptions } from './subscriptions';
import { stepHandler, type Worker, type WorkerContext } from './worker';

/** A job service that can tell whether it is worth calling (the circuit is closed). */
export interface ProbedJobService extends BackupJobService {
  isAvailable?(): boolean;
}

/** check-allowed: `backup-request.received` → asks the job service → Allowed | NotAllowed. */
export function checkAllowedWorker(ctx: WorkerContext, jobs: ProbedJobService): Worker {
  const deps = { requests: ctx.requests, jobs, clock: ctx.clock, service: ctx.service };
  return {
    subscriptions: [
      {
        definition: pipelineSubscriptions(ctx.config).checkAllowed,
        handler: stepHandler((backupRequestId, envelope) =>
          checkAllowed(deps, { backupRequestId, messageId: envelope.messageId }),
        ),
        // While the job service is down the subscription pauses; it resumes once the
        // breaker lets calls through again.
        options: { probe: async () => jobs.isAvailable?.() ?? true },
      },
    ],
  };
}
