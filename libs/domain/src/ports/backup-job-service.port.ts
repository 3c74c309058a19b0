import type { BackupJob } from '../backup-job/backup-job';

/** The external backup job service. Returns null for an unknown job (HTTP 404). */
export interface BackupJobService {
  findJob(backupJobId: string): Promise<BackupJob | null>;
}
