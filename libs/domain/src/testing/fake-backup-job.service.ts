import type { BackupJob } from '../backup-job/backup-job';
import type { BackupJobService } from '../ports/backup-job-service.port';
import { FailureSwitch } from './failure-switch';

/** The backup job service as a map of jobs; unknown ids answer null (HTTP 404). */
export class FakeBackupJobService extends FailureSwitch implements BackupJobService {
  /** The jobs the service knows, by id; tests may edit it between calls. */
  readonly jobs = new Map<string, BackupJob>();
  /** Every id looked up, in call order (failed calls included). */
  readonly lookups: string[] = [];

  constructor(jobs: BackupJob[] = []) {
    super();
    for (const job of jobs) this.put(job);
  }

  /** Adds or replaces a job. */
  put(job: BackupJob): void {
    this.jobs.set(job.backupJobId, { ...job });
  }

  async findJob(backupJobId: string): Promise<BackupJob | null> {
    this.lookups.push(backupJobId);
    this.throwIfFailing();
    const job = this.jobs.get(backupJobId);
    return job ? { ...job } : null;
  }
}
