import { transition } from '../../backup-request/state-machine';
import type { Clock } from '../../ports/clock.port';
import type { BackupInterface, InterfaceRequest } from '../../ports/backup-interface.port';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import type { IdGenerator } from '../../ports/id-generator.port';
import { interfaceRequestOf } from '../shared/interface-request';
import { moveDecision, runStep, type StepResult } from '../shared/step';

/** Dependencies of the send-to-interface step. */
export interface SendToInterfaceDeps {
  requests: BackupRequestRepository;
  backupInterface: BackupInterface;
  clock: Clock;
  /** Makes each send claim's token. */
  ids: IdGenerator;
  service: string;
  /**
   * How long a send claim keeps other handlers from sending the request. Longer than any send
   * can take: a send still running when its claim lapses could be repeated by another.
   */
  sendClaimTtlMs: number;
}

/** The message that asks for the send. */
export interface SendToInterfaceInput {
  backupRequestId: string;
  messageId: string;
}

/**
 * Allowed → Sent. The interface is called first and the status committed after, so a crash
 * in between leaves the request Allowed and a later handler sends again, with the same
 * message id (the request id) so the interface can drop the duplicate. Committing first
 * instead would lose the send forever if the process died before it. Before sending, the
 * handler claims the request (ADR 0212): of several handlers at once, only the claimant sends;
 * the others find the work in hand and do nothing.
 */
export async function sendToInterface(
  deps: SendToInterfaceDeps,
  input: SendToInterfaceInput,
): Promise<StepResult> {
  return runStep(deps.requests, input.backupRequestId, async (request) => {
    const result = transition(request.statusTypeCode, { type: 'sent' });
    if (result.outcome === 'noop') return { kind: 'done', reason: result.reason };
    if (result.outcome === 'illegal') throw result.error;
    const sent = await sendClaimed(deps, interfaceRequestOf(request));
    if (!sent) return { kind: 'done', reason: 'another handler holds the send' };
    const cause = { at: deps.clock.now(), by: deps.service, messageId: input.messageId };
    return moveDecision(request, result, cause);
  });
}

/**
 * Claims the send and sends; false, without sending, when another handler holds the claim or
 * the request left Allowed meanwhile. A failed send gives the claim back so the retried message
 * can claim at once; if that fails too, the claim lapses by itself, so its error is dropped in
 * favour of the send's.
 */
async function sendClaimed(deps: SendToInterfaceDeps, request: InterfaceRequest): Promise<boolean> {
  const token = deps.ids.newId();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.sendClaimTtlMs);
  const { backupRequestId } = request;
  if (!(await deps.requests.claimSend({ backupRequestId, token, now, expiresAt }))) return false;
  try {
    await deps.backupInterface.send(request);
  } catch (error) {
    await deps.requests.releaseSend(backupRequestId, token).catch(() => undefined);
    throw error;
  }
  return true;
}
