import type { BackupJob, BackupProviderCode } from '../backup-job/backup-job';
import type { BackupRequest } from '../backup-request/backup-request';

/** The external backup job service. Returns null for an unknown job (HTTP 404). */
export interface BackupJobService {
  findJob(backupJobId: string): Promise<BackupJob | null>;
}

/** What the backup interface receives for a request (SPEC §2, request side). */
export interface InterfaceRequest {
  backupRequestId: string;
  backupJobId: string;
  dataDate: string;
  preparedDataPathName: string;
  storagePathName: string;
  backupProviderCode: BackupProviderCode;
}

/**
 * The external backup interface, request side. Implementations send with message id =
 * backupRequestId, so a repeated send is recognisable as the same request.
 */
export interface BackupInterface {
  send(request: InterfaceRequest): Promise<void>;
}

/** Tells the outside world that a request ended (today: a log line). */
export interface EndStateNotifier {
  notify(request: BackupRequest): Promise<void>;
}
