import { addCalendarDays } from '../calendar-date';
import type { BackupJob } from '../backup-job/backup-job';
import type { BackupProviderCode } from '../backup-job/backup-job';
import type { BackupRequest } from '../backup-request/backup-request';
import type { StoreStatusReply } from '../store-status/store-status';

/** The record of a stored backup, created only from a Succeeded reply. */
export interface Backup {
  backupId: string;
  backupRequestId: string;
  backupJobId: string;
  dataDate: string;
  backupProviderCode: BackupProviderCode;
  daysToKeepCount: number;
  holdFlag: boolean;
  storagePathName: string;
  /** Kept as a decimal string: a byte count can exceed Number.MAX_SAFE_INTEGER. */
  backupByteCount: string;
  copyStartTimestamp: Date;
  copyEndTimestamp: Date;
  verifyStartTimestamp: Date | null;
  verifyEndTimestamp: Date | null;
  verifyHashText: string | null;
  dueToDeleteDate: string;
  deletedTimestamp: Date | null;
}

/**
 * What a Backup takes from its job. A BackupJob has these fields; so has an allowed request,
 * which captured them at the check (see {@link jobFactsCaptured}).
 */
export type BackupJobFacts = Pick<BackupJob, 'backupProviderCode' | 'daysToKeep' | 'holdFlag'>;

/** The job facts the request captured when it was allowed; null if it has none (older rows). */
export function jobFactsCaptured(request: BackupRequest): BackupJobFacts | null {
  const { backupProviderCode, daysToKeepCount, holdFlag } = request;
  if (backupProviderCode === null || daysToKeepCount === null || holdFlag === null) return null;
  return { backupProviderCode, daysToKeep: daysToKeepCount, holdFlag };
}

const optionalDate = (value: string | undefined): Date | null =>
  value === undefined ? null : new Date(value);

/** Builds the Backup for a Succeeded reply; retention and hold come from `job`'s facts. */
export function backupFromReply(
  backupId: string,
  request: BackupRequest,
  job: BackupJobFacts,
  reply: StoreStatusReply,
): Backup {
  return {
    backupId,
    backupRequestId: request.backupRequestId,
    backupJobId: request.backupJobId,
    dataDate: request.dataDate,
    backupProviderCode: request.backupProviderCode ?? job.backupProviderCode,
    daysToKeepCount: job.daysToKeep,
    holdFlag: job.holdFlag,
    storagePathName: reply.storagePathName,
    backupByteCount: String(reply.backupByteCount),
    copyStartTimestamp: new Date(reply.copyStartTimestamp),
    copyEndTimestamp: new Date(reply.copyEndTimestamp),
    verifyStartTimestamp: optionalDate(reply.verifyStartTimestamp),
    verifyEndTimestamp: optionalDate(reply.verifyEndTimestamp),
    verifyHashText: reply.verifiedHash ?? null,
    dueToDeleteDate: addCalendarDays(request.dataDate, job.daysToKeep),
    deletedTimestamp: null,
  };
}
