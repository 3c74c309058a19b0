/** Where a backup is stored. */
export const BACKUP_PROVIDER_CODES = ['Local', 'CloudA', 'CloudB'] as const;

/** A backup provider code. */
export type BackupProviderCode = (typeof BACKUP_PROVIDER_CODES)[number];

/** A backup job as the external backup job service owns it (read only here). */
export interface BackupJob {
  backupJobId: string;
  storagePathName: string;
  backupProviderCode: BackupProviderCode;
  daysToKeep: number;
  isActive: boolean;
  holdFlag: boolean;
}

/** The allowed rule: the job exists and is active. An unknown job is simply not allowed. */
export function isAllowedJob(job: BackupJob | null): job is BackupJob {
  return job !== null && job.isActive;
}
