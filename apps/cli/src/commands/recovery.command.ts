import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '@linebacker/domain';
import type { MessageBus } from '@linebacker/messaging';
import { CliError, EXIT } from '../exit-codes';
import type { CommandResult } from '../output';

/**
 * `recovery run`: publishes `recovery.requested` (confirmed, mandatory). One running recovery
 * instance takes it and sweeps at once: every Received/Allowed request unchanged for longer
 * than its LINEBACKER_RECOVERY_STALE_AFTER_MS is re-driven.
 */
export async function runRecovery(bus: MessageBus, operator: string): Promise<CommandResult> {
  const messageId = randomUUID();
  const correlationId = `cli-recovery-${messageId}`;
  try {
    await bus.publish({
      messageId,
      type: EVENT_TYPES.recoveryRequested,
      correlationId,
      payload: { requestedBy: operator },
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'Unroutable')
      throw new CliError(
        EXIT.notFound,
        'no recovery queue is bound in this namespace (has the recovery app ever started?)',
        'Unroutable',
      );
    throw error;
  }
  return {
    data: { published: EVENT_TYPES.recoveryRequested, messageId, correlationId, operator },
    text: `recovery sweep requested (message ${messageId}); recovery logs "recovery round" with reason "triggered"`,
  };
}
