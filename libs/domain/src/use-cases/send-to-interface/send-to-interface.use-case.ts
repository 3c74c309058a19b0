import { timestampPatchFor } from '../../backup-request/backup-request';
import { transition } from '../../backup-request/state-machine';
import { PermanentError } from '../../errors/linebacker-error';
import { EVENT_TYPES } from '../../messages/event-types';
import { requestEvent } from '../../messages/outbox-message';
import type { Clock } from '../../ports/clock.port';
import type { BackupInterface } from '../../ports/external.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import { runStep, type StepResult } from '../shared/step';

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
    const at = deps.clock.now();
    return {
      kind: 'change',
      change: {
        backupRequestId: request.backupRequestId,
        from: result.from,
        to: result.to,
        at,
        patch: timestampPatchFor(result.to, at),
        by: deps.service,
        messageId: input.messageId,
        outbox: [requestEvent(EVENT_TYPES.sent, request, input.messageId, at)],
      },
    };
  });
}
