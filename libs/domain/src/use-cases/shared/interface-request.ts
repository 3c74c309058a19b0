import type { BackupRequest } from '../../backup-request/backup-request';
import { PermanentError } from '../../errors/linebacker-error';
import type { InterfaceRequest } from '../../ports/backup-interface.port';

/** What the interface receives for a request that has its storage facts. */
export function interfaceRequestOf(request: BackupRequest): InterfaceRequest {
  const { storagePathName, backupProviderCode } = request;
  if (storagePathName === null || backupProviderCode === null) {
    throw new PermanentError(
      'IncompleteRequest',
      `request ${request.backupRequestId} has no storage path or provider`,
    );
  }
  return {
    backupRequestId: request.backupRequestId,
    backupJobId: request.backupJobId,
    dataDate: request.dataDate,
    preparedDataPathName: request.preparedDataPathName,
    storagePathName,
    backupProviderCode,
  };
}
