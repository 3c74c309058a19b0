import { isAllowedJob } from '../../backup-job/backup-job';
import { transition } from '../../backup-request/state-machine';
import type { Clock } from '../../ports/clock.port';
import type { BackupJobService } from '../../ports/backup-job-service.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import { moveDecision, runStep, type StepResult } from '../shared/step';

/** Dependencies of the check-allowed step. */
export interface CheckAllowedDeps {
  requests: BackupRequestRepository;
  jobs: BackupJobService;
  clock: Clock;
  /** The name recorded in the status history. */
  service: string;
}

/** The message that asks for the check. */
export interface CheckAllowedInput {
  backupRequestId: string;
  messageId: string;
}

/**
 * Received → Allowed | NotAllowed. The job service is asked only while the request is still
 * Received; an allowed request takes the job's provider, storage path, retention and hold.
 */
export async function checkAllowed(
  deps: CheckAllowedDeps,
  input: CheckAllowedInput,
): Promise<StepResult> {
  return runStep(deps.requests, input.backupRequestId, async (request) => {
    if (request.statusTypeCode !== 'Received') {
      return { kind: 'done', reason: 'already checked' };
    }
    const job = await deps.jobs.findJob(request.backupJobId);
    const allowed = isAllowedJob(job);
    const result = transition(request.statusTypeCode, {
      type: allowed ? 'allowed' : 'not-allowed',
    });
    if (result.outcome === 'noop') return { kind: 'done', reason: result.reason };
    if (result.outcome === 'illegal') throw result.error;
    // Everything a Backup will need from the job is captured now, in the same change: the
    // reply may come after the job was deleted (ADR 0211).
    const jobPatch = allowed
      ? {
          backupProviderCode: job.backupProviderCode,
          storagePathName: job.storagePathName,
          daysToKeepCount: job.daysToKeep,
          holdFlag: job.holdFlag,
        }
      : {};
    const cause = { at: deps.clock.now(), by: deps.service, messageId: input.messageId };
    return moveDecision(request, result, cause, { patch: jobPatch });
  });
}
