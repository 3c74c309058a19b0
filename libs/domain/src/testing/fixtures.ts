import type { BackupJob } from '../backup-job/backup-job';
import type { StoreStatusReply } from '../store-status/store-status';
import type { ReceiveBackupRequestInput } from '../use-cases/receive-backup-request/receive-backup-request.use-case';

/** An active `Local` job `job-1` keeping backups 30 days; override any field. */
export function aBackupJob(overrides: Partial<BackupJob> = {}): BackupJob {
  return {
    backupJobId: 'job-1',
    storagePathName: '/backups/job-1',
    backupProviderCode: 'Local',
    daysToKeep: 30,
    isActive: true,
    holdFlag: false,
    ...overrides,
  };
}

/** A valid HTTP intake of `job-1` for 2024-03-15 by requester `client-a`; override any field. */
export function aNewRequest(
  overrides: Partial<ReceiveBackupRequestInput> = {},
): ReceiveBackupRequestInput {
  return {
    backupJobId: 'job-1',
    dataDate: '2024-03-15',
    preparedDataPathName: '/prepared/job-1/2024-03-15',
    requesterId: 'client-a',
    transportTypeCode: 'HTTP',
    ...overrides,
  };
}

/** A Succeeded status reply for the request, with verification; override any field. */
export function aStoreStatusReply(
  backupRequestId: string,
  overrides: Partial<StoreStatusReply> = {},
): StoreStatusReply {
  return {
    apiVersion: '2022-05-22',
    backupRequestId,
    storagePathName: `/backups/job-1/${backupRequestId}`,
    resultTypeCode: 'Succeeded',
    backupByteCount: 1_048_576,
    copyStartTimestamp: '2024-03-16T01:00:00.000Z',
    copyEndTimestamp: '2024-03-16T01:05:00.000Z',
    verifyStartTimestamp: '2024-03-16T01:05:01.000Z',
    verifyEndTimestamp: '2024-03-16T01:06:00.000Z',
    verifiedHash: 'sha256:0f1e2d',
    messageText: 'copied and verified',
    ...overrides,
  };
}
