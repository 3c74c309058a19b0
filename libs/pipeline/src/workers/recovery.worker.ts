import {
  enforceReplyDeadline,
  NO_REPLY_FROM_INTERFACE,
  recover,
  type RetentionStore,
} from '@linebacker/domain';
import { parse, type ConfigSchema } from '@linebacker/runtime';
import { retentionSchedule, type RetentionSettings } from './retention.schedule';
import { pipelineSubscriptions } from './subscriptions';
import type { Worker, WorkerContext } from './worker';

/** How recovery sweeps. */
export interface RecoverySettings {
  /** A Received/Allowed request unchanged for this long is re-driven. */
  staleAfterMs: number;
  /** Time between periodic sweeps. */
  sweepIntervalMs: number;
  /** Requests claimed per transaction. */
  batchSize: number;
  /** How long a Sent request waits for its reply, after its send and after each resend. */
  replyTimeoutMs: number;
  /** Resends after the reply deadline before the request ends Failed (NoReplyFromInterface). */
  replyMaxResends: number;
}

/** The recovery app's own keys. */
export const recoveryConfigSchema: ConfigSchema<RecoverySettings> = {
  staleAfterMs: {
    env: 'LINEBACKER_RECOVERY_STALE_AFTER_MS',
    doc: 'a Received/Allowed request unchanged this long is re-driven',
    // Measured (docs/benchmarks.md): at 60 s, a queue backlog longer than a minute had
    // recovery re-drive requests that were only waiting, adding duplicate work to the backlog.
    default: 300000,
    parse: parse.integer(0),
  },
  sweepIntervalMs: {
    env: 'LINEBACKER_RECOVERY_SWEEP_INTERVAL_MS',
    doc: 'time between periodic sweeps',
    default: 30000,
    parse: parse.integer(100),
  },
  batchSize: {
    env: 'LINEBACKER_RECOVERY_BATCH_SIZE',
    doc: 'requests claimed per transaction',
    default: 200,
    parse: parse.integer(1, 10000),
  },
  replyTimeoutMs: {
    env: 'LINEBACKER_REPLY_TIMEOUT_MS',
    doc:
      'a Sent request with no reply this long after its send (or last resend) is re-sent, ' +
      'or failed once its resends are used up (checked every sweep)',
    // Hours, not minutes: an interface copies whole data sets, and a resend of a request it
    // is still copying is only dropped by its duplicate check.
    default: 4 * 3_600_000,
    parse: parse.integer(1000),
  },
  replyMaxResends: {
    env: 'LINEBACKER_REPLY_MAX_RESENDS',
    doc: 'resends of a Sent request without a reply before it ends Failed (NoReplyFromInterface)',
    default: 3,
    parse: parse.integer(0, 100),
  },
};

/** Batches per round: bounds one round while still covering a large backlog. */
const MAX_BATCHES_PER_ROUND = 1000;

/**
 * recovery: before it consumes anything it re-drives every Received/Allowed request whose
 * status changed before this instance started (no message about them can be trusted to be
 * in flight); then it sweeps periodically and whenever a `recovery.requested` arrives. Claims
 * use row locks and a re-driven mark, so many instances never re-drive one request twice in
 * a round (ADR 0201). Every round also enforces the reply deadline of Sent requests (ADR 0210).
 * Given a retention store, it also runs retention on its own schedule (ADR 0213).
 */
export function recoveryWorker(
  ctx: WorkerContext,
  settings: RecoverySettings,
  retention?: { store: RetentionStore; settings: RetentionSettings },
): Worker {
  const deps = { requests: ctx.requests, clock: ctx.clock };
  const schedule =
    retention &&
    retentionSchedule(
      { retention: retention.store, clock: ctx.clock, logger: ctx.logger, metrics: ctx.metrics },
      retention.settings,
    );
  const startedAt = ctx.clock.now();
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;
  let lastSweepAt: Date | undefined;
  // A Sent request outlives its reply deadline by more than a sweep interval only when no
  // round completes, so the time of the last completed round is what an alert watches.
  ctx.metrics.gauge(
    'linebacker_recovery_last_sweep_timestamp_seconds',
    'When this instance last completed a recovery round (re-drive and reply deadline), 0 before',
    () => (lastSweepAt ? lastSweepAt.getTime() / 1000 : 0),
  );

  const round = async (reason: string, changedBefore?: Date): Promise<number> => {
    const redriven = await recover(deps, {
      staleAfterMs: settings.staleAfterMs,
      changedBefore,
      batchSize: settings.batchSize,
      maxBatches: MAX_BATCHES_PER_ROUND,
    });
    ctx.metrics.recoveryRedriven.inc(redriven);
    const { resent, failed } = await replyDeadline();
    lastSweepAt = ctx.clock.now();
    const busy = redriven + resent + failed > 0;
    ctx.logger.log(busy ? 'info' : 'debug', 'recovery round', {
      reason,
      redriven,
      resent,
      failed,
      outcome: 'swept',
    });
    return redriven;
  };
  const replyDeadline = async (): Promise<{ resent: number; failed: number }> => {
    const outcome = await enforceReplyDeadline(
      { ...deps, service: ctx.service },
      {
        replyTimeoutMs: settings.replyTimeoutMs,
        maxResends: settings.replyMaxResends,
        batchSize: settings.batchSize,
        maxBatches: MAX_BATCHES_PER_ROUND,
      },
    );
    ctx.metrics.replyResends.inc(outcome.resent.length);
    ctx.metrics.noReplyFailures.inc(outcome.failed.length);
    for (const requestId of outcome.resent) {
      ctx.logger.info('reply overdue: re-sending', { requestId, outcome: 'resend' });
    }
    for (const requestId of outcome.failed) {
      ctx.logger.warn('no reply after every resend: failed', {
        requestId,
        outcome: 'no-reply',
        replyMessageText: NO_REPLY_FROM_INTERFACE,
      });
    }
    return { resent: outcome.resent.length, failed: outcome.failed.length };
  };
  // One sweep at a time per instance; a trigger during a sweep joins the running one.
  const sweep = (reason: string): Promise<number> => {
    sweeping ??= round(reason).finally(() => (sweeping = undefined));
    return sweeping;
  };

  return {
    subscriptions: [
      {
        definition: pipelineSubscriptions(ctx.config).recovery,
        handler: async () => {
          await sweep('triggered');
          return 'ok';
        },
      },
    ],
    beforeConsume: async () => {
      await round('start-up', startedAt);
    },
    afterConsume: async () => {
      const tick = (): void => {
        sweep('periodic')
          .catch((error: unknown) =>
            ctx.logger.warn('recovery sweep failed', { error: String(error) }),
          )
          .finally(() => {
            if (timer) timer = setTimeout(tick, settings.sweepIntervalMs).unref();
          });
      };
      timer = setTimeout(tick, settings.sweepIntervalMs).unref();
      schedule?.start();
    },
    stop: async () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.all([sweeping?.catch(() => undefined), schedule?.stop()]);
    },
  };
}
