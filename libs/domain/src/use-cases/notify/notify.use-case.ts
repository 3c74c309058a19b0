import type { BackupRequest } from '../../backup-request/backup-request';
import { isTerminalStatus } from '../../backup-request/request-status';
import { PermanentError } from '../../errors/linebacker-error';
import { RequestNotFoundError } from '../../errors/domain-errors';
import type { EndStateNotifier } from '../../ports/end-state-notifier.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';

/** Dependencies of the notifier. */
export interface NotifyDeps {
  requests: BackupRequestRepository;
  notifier: EndStateNotifier;
}

/** The end-state event to notify. */
export interface NotifyInput {
  backupRequestId: string;
}

/**
 * Notifies a request's end state as stored now (a Failed event may already have been
 * overtaken by a Succeeded reply; the notification then tells the newer truth).
 */
export async function notify(deps: NotifyDeps, input: NotifyInput): Promise<BackupRequest> {
  const request = await deps.requests.findById(input.backupRequestId);
  if (request === null) throw new RequestNotFoundError(input.backupRequestId);
  if (!isTerminalStatus(request.statusTypeCode)) {
    throw new PermanentError(
      'NotTerminal',
      `request ${request.backupRequestId} is ${request.statusTypeCode}, not in an end state`,
    );
  }
  await deps.notifier.notify(request);
  return request;
}
