import type { BackupProviderCode } from '../backup-job/backup-job';

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
