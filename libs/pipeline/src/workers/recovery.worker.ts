import { recover } from '@linebacker/domain';
import { parse, type ConfigSchema } from '@linebacker/runtime';
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
};

/** Batches per round: bounds one round while still covering a large backlog. */
const MAX_BATCHES_PER_ROUND = 1000;

/**
 * recovery: before it consumes anything it re-drives every Received/Allowed request whose
 * status changed before this instance started (no message about them can be trusted to be
 * in flight); then it sweeps periodically and whenever a `recovery.requested` arrives. Claims
 * use row locks and a re-driven mark, so many instances never re-drive one request twice in
 * a round (ADR 0201).
 */
export function recoveryWorker(ctx: WorkerContext, settings: RecoverySettings): Worker {
  const deps = { requests: ctx.requests, clock: ctx.clock };
  const startedAt = ctx.clock.now();
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;

  const round = async (reason: string, changedBefore?: Date): Promise<number> => {
    const redriven = await recover(deps, {
      staleAfterMs: settings.staleAfterMs,
      changedBefore,
      batchSize: settings.batchSize,
      maxBatches: MAX_BATCHES_PER_ROUND,
    });
    ctx.metrics.recoveryRedriven.inc(redriven);
    ctx.logger.log(redriven > 0 ? 'info' : 'debug', 'recovery round', {
      reason,
      redriven,
      outcome: 'swept',
    });
    return redriven;
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
    },
    stop: async () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await sweeping?.catch(() => undefined);
    },
  };
}
