import {
  applyRetention,
  type ApplyRetentionInput,
  type Clock,
  type RetentionCounts,
  type RetentionOutcome,
  type RetentionStore,
} from '@linebacker/domain';
import { parse, type ConfigSchema, type Logger, type ServiceMetrics } from '@linebacker/runtime';

/** How long rows are kept and how the sweeps run (ADR 0213). */
export interface RetentionSettings {
  retentionRequestDays: number;
  retentionIdempotencyKeyDays: number;
  retentionBackupGraceDays: number;
  retentionIntervalMs: number;
  retentionBatchSize: number;
  retentionMaxRunMs: number;
}

const days = parse.integer(0, 36_500);

/** Retention's keys: read by recovery (the schedule) and by the CLI (`retention run`). */
export const retentionConfigSchema: ConfigSchema<RetentionSettings> = {
  retentionRequestDays: {
    env: 'LINEBACKER_RETENTION_REQUEST_DAYS',
    doc:
      'a terminal request is removed with its history and keys this many days after it ended ' +
      '(and after its Backup was marked deleted); 0 = never',
    default: 90,
    parse: days,
  },
  retentionIdempotencyKeyDays: {
    env: 'LINEBACKER_RETENTION_IDEMPOTENCY_KEY_DAYS',
    doc: 'an Idempotency-Key is removed this many days after it was stored (a retry after that makes a new request); 0 = never',
    default: 7,
    parse: days,
  },
  retentionBackupGraceDays: {
    env: 'LINEBACKER_RETENTION_BACKUP_GRACE_DAYS',
    doc: 'a Backup not on hold is marked deleted once its dueToDeleteDate is this many days past (UTC); 0 = never',
    default: 1,
    parse: days,
  },
  retentionIntervalMs: {
    env: 'LINEBACKER_RETENTION_INTERVAL_MS',
    doc: 'recovery runs retention about this often (each wait drawn from 80-120 %); 0 = only on demand (linebacker retention run)',
    default: 3_600_000,
    parse: (raw) => {
      const value = parse.integer(0)(raw);
      if (value > 0 && value < 1000) throw new Error('must be 0 (off) or at least 1000');
      return value;
    },
  },
  retentionBatchSize: {
    env: 'LINEBACKER_RETENTION_BATCH_SIZE',
    doc: 'rows per retention batch (one statement, one transaction)',
    default: 500,
    parse: parse.integer(1, 10_000),
  },
  retentionMaxRunMs: {
    env: 'LINEBACKER_RETENTION_MAX_RUN_MS',
    doc: 'no retention batch starts after this long in one run; what is left waits for the next',
    default: 30_000,
    parse: parse.integer(100),
  },
};

/** A run's input from the settings. */
export function retentionInput(settings: RetentionSettings, dryRun = false): ApplyRetentionInput {
  return {
    windows: {
      requestDays: settings.retentionRequestDays,
      idempotencyKeyDays: settings.retentionIdempotencyKeyDays,
      backupGraceDays: settings.retentionBackupGraceDays,
    },
    batchSize: settings.retentionBatchSize,
    maxRunMs: settings.retentionMaxRunMs,
    dryRun,
  };
}

/** The metric label of each count. */
export const RETENTION_KINDS: Readonly<Record<keyof RetentionCounts, string>> = {
  requests: 'request',
  statusHistory: 'status_history',
  backups: 'backup',
  idempotencyKeys: 'idempotency_key',
  backupsMarked: 'backup_marked',
};

/** What the schedule runs with. */
export interface RetentionScheduleDeps {
  retention: RetentionStore;
  clock: Clock;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Draws the jitter; Math.random unless a test fixes it. */
  random?: () => number;
}

/** Recovery's retention timer: started after consuming begins, stopped before the bus. */
export interface RetentionSchedule {
  start(): void;
  stop(): Promise<void>;
}

/**
 * Runs retention every `retentionIntervalMs`, each wait drawn from 80-120 % of it so that
 * instances started together drift apart (they could sweep together safely; apart they
 * spread the load). One run at a time per instance, bounded by `retentionMaxRunMs`; a
 * failed run is logged and the next one tried at the next tick.
 */
export function retentionSchedule(
  deps: RetentionScheduleDeps,
  settings: RetentionSettings,
): RetentionSchedule {
  const random = deps.random ?? Math.random;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let lastRunAt: Date | undefined;
  deps.metrics.gauge(
    'linebacker_retention_last_run_timestamp_seconds',
    'When this instance last completed a retention run, 0 before',
    () => (lastRunAt ? lastRunAt.getTime() / 1000 : 0),
  );
  const run = async (): Promise<RetentionOutcome> => {
    const outcome = await applyRetention(
      {
        retention: deps.retention,
        clock: deps.clock,
        observe: ({ sweep, counts, durationMs }) => {
          deps.metrics.retentionBatchDuration.observe({ sweep }, durationMs / 1000);
          for (const [key, kind] of Object.entries(RETENTION_KINDS))
            deps.metrics.retentionRows.inc({ kind }, counts[key as keyof RetentionCounts]);
        },
      },
      retentionInput(settings),
    );
    lastRunAt = deps.clock.now();
    deps.logger.info('retention run', {
      ...outcome.counts,
      batches: outcome.batches,
      complete: outcome.complete,
      durationMs: outcome.durationMs,
      outcome: outcome.complete ? 'swept' : 'time-bound',
    });
    return outcome;
  };
  const next = () => settings.retentionIntervalMs * (0.8 + 0.4 * random());
  const tick = (): void => {
    running = run()
      .catch((error: unknown) => deps.logger.warn('retention run failed', { error: String(error) }))
      .finally(() => {
        running = undefined;
        if (timer) timer = setTimeout(tick, next()).unref();
      });
  };
  return {
    start: () => {
      if (settings.retentionIntervalMs > 0) timer = setTimeout(tick, next()).unref();
    },
    stop: async () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
