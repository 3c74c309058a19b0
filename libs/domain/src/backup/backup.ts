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

const optionalDate = (value: string | undefined): Date | null =>
  value === undefined ? null : new Date(value);

/** Builds the Backup for a Succeeded reply; retention comes from the job as read now. */
export function backupFromReply(
  backupId: string,
  request: BackupRequest,
  job: BackupJob,
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
