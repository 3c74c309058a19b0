import { resendToInterface, sendToInterface, type BackupInterface } from '@linebacker/domain';
import { ConfigError, parse, type ConfigSchema } from '@linebacker/runtime';
import { pipelineSubscriptions } from './subscriptions';
import { interfaceQueueDetails } from './interface-queue-details';
import { requestIdOf, stepHandler, type Worker, type WorkerContext } from './worker';

/** The backup interface as a worker holds it: a port plus its own connection lifecycle. */
export interface ManagedBackupInterface extends BackupInterface {
  start?(): Promise<void>;
  stop?(deadlineMs: number): Promise<void>;
  isReady?(): boolean;
  /** Approximate depths of the interface's queues, where the transport can tell. */
  queueDepths?(): Promise<Record<string, number>>;
}

/** How send-to-interface claims a request before it sends it (ADR 0212). */
export interface SendSettings {
  /** How long a send claim keeps other handlers of the request from sending it. */
  sendClaimTtlMs: number;
}

/** send-to-interface's own keys. */
export const sendConfigSchema: ConfigSchema<SendSettings> = {
  sendClaimTtlMs: {
    env: 'LINEBACKER_SEND_CLAIM_TTL_MS',
    doc:
      'a handler claims a request before sending it; other handlers do not send it until the claim lapses ' +
      '(after a crash mid-send). Above LINEBACKER_HANDLER_TIMEOUT_MS, below LINEBACKER_RECOVERY_STALE_AFTER_MS',
    default: 60000,
    parse: parse.integer(1000),
  },
};

/**
 * send-to-interface: `backup-request.allowed` → claim → send (message id = request id) →
 * Sent. A claim must outlast the handler's deadline: the runner gives up on a handler then,
 * but its send may still complete, and a lapsed claim would let another handler send too.
 * And `backup-request.reply-overdue` → the same send again while the request is still Sent
 * (ADR 0210; no claim: a resend is a deliberate second send under the same message id).
 */
export function sendToInterfaceWorker(
  ctx: WorkerContext,
  backupInterface: ManagedBackupInterface,
  settings: SendSettings,
): Worker {
  const { handlerTimeoutMs } = ctx.config;
  if (settings.sendClaimTtlMs <= handlerTimeoutMs) {
    throw new ConfigError([
      `LINEBACKER_SEND_CLAIM_TTL_MS (${settings.sendClaimTtlMs}) must exceed LINEBACKER_HANDLER_TIMEOUT_MS (${handlerTimeoutMs})`,
    ]);
  }
  const deps = {
    requests: ctx.requests,
    backupInterface,
    clock: ctx.clock,
    ids: ctx.ids,
    service: ctx.service,
    sendClaimTtlMs: settings.sendClaimTtlMs,
  };
  return {
    subscriptions: [
      {
        definition: pipelineSubscriptions(ctx.config).sendToInterface,
        handler: stepHandler((backupRequestId, envelope) =>
          sendToInterface(deps, { backupRequestId, messageId: envelope.messageId }),
        ),
        options: { probe: async () => backupInterface.isReady?.() ?? true },
      },
      {
        definition: pipelineSubscriptions(ctx.config).sendToInterfaceResend,
        handler: async (envelope) => {
          const backupRequestId = requestIdOf(envelope);
          const outcome = await resendToInterface(deps, { backupRequestId });
          ctx.logger.info('backup request re-sent after its reply deadline', {
            requestId: backupRequestId,
            messageId: envelope.messageId,
            correlationId: envelope.correlationId,
            outcome,
          });
          return outcome === 'resent' ? 'ok' : 'already-done';
        },
        options: { probe: async () => backupInterface.isReady?.() ?? true },
      },
    ],
    beforeConsume: async () => backupInterface.start?.(),
    stop: async (deadlineMs) => backupInterface.stop?.(deadlineMs),
    isReady: () => backupInterface.isReady?.() ?? true,
    details: () => interfaceQueueDetails(() => backupInterface.queueDepths?.()),
  };
}
