import { PermanentError } from '../../errors/linebacker-error';
import { RequestNotFoundError } from '../../errors/domain-errors';
import type { BackupRequest } from '../../backup-request/backup-request';
import type { BackupInterface, InterfaceRequest } from '../../ports/backup-interface.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';

/** Dependencies of a resend. */
export interface ResendToInterfaceDeps {
  requests: BackupRequestRepository;
  backupInterface: BackupInterface;
}

/** What a resend did: sent the request again, or found its reply already in. */
export type ResendOutcome = 'resent' | 'no-longer-waiting';

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

/**
 * Sends a `Sent` request to the interface again after its reply deadline (ADR 0210), with the
 * same content and the same message id as the first send, so the interface can tell it is the
 * same request. Writes nothing: recovery counted and recorded the resend when it decided it.
 * A request no longer `Sent` got its reply meanwhile and is not sent again.
 */
export async function resendToInterface(
  deps: ResendToInterfaceDeps,
  input: { backupRequestId: string },
): Promise<ResendOutcome> {
  const request = await deps.requests.findById(input.backupRequestId);
  if (request === null) throw new RequestNotFoundError(input.backupRequestId);
  if (request.statusTypeCode !== 'Sent') return 'no-longer-waiting';
  await deps.backupInterface.send(interfaceRequestOf(request));
  return 'resent';
}
