import { transition } from '../../backup-request/state-machine';
import { PermanentError } from '../../errors/linebacker-error';
import type { Clock } from '../../ports/clock.port';
import type { BackupInterface } from '../../ports/backup-interface.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import { moveDecision, runStep, type StepResult } from '../shared/step';

/** Dependencies of the send-to-interface step. */
export interface SendToInterfaceDeps {
  requests: BackupRequestRepository;
  backupInterface: BackupInterface;
  clock: Clock;
  service: string;
}

/** The message that asks for the send. */
export interface SendToInterfaceInput {
  backupRequestId: string;
  messageId: string;
}

/**
 * Allowed → Sent. The interface is called first and the status committed after, so a crash
 * in between leaves the request Allowed and the redelivered message sends again, with the
 * same message id (the request id) so the interface can drop the duplicate. Committing
 * first instead would lose the send forever if the process died before it.
 */
export async function sendToInterface(
  deps: SendToInterfaceDeps,
  input: SendToInterfaceInput,
): Promise<StepResult> {
  return runStep(deps.requests, input.backupRequestId, async (request) => {
    const result = transition(request.statusTypeCode, { type: 'sent' });
    if (result.outcome === 'noop') return { kind: 'done', reason: result.reason };
    if (result.outcome === 'illegal') throw result.error;
    const { storagePathName, backupProviderCode } = request;
    if (storagePathName === null || backupProviderCode === null) {
      throw new PermanentError(
        'IncompleteRequest',
        `allowed request ${request.backupRequestId} has no storage path or provider`,
      );
    }
    await deps.backupInterface.send({
      backupRequestId: request.backupRequestId,
      backupJobId: request.backupJobId,
      dataDate: request.dataDate,
      preparedDataPathName: request.preparedDataPathName,
      storagePathName,
      backupProviderCode,
    });
    const cause = { at: deps.clock.now(), by: deps.service, messageId: input.messageId };
    return moveDecision(request, result, cause);
  });
}
