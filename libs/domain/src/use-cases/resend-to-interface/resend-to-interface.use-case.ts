import { RequestNotFoundError } from '../../errors/domain-errors';
import type { BackupInterface } from '../../ports/backup-interface.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import { interfaceRequestOf } from '../shared/interface-request';

/** Dependencies of a resend. */
export interface ResendToInterfaceDeps {
  requests: BackupRequestRepository;
  backupInterface: BackupInterface;
}

/** What a resend did: sent the request again, or found its reply already in. */
export type ResendOutcome = 'resent' | 'no-longer-waiting';

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
