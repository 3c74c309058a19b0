import { addCalendarDays } from '../../calendar-date';
import type { Clock } from '../../ports/clock.port';
import {
  NO_RETENTION_COUNTS,
  type RetentionCounts,
  type RetentionCutoffs,
  type RetentionStore,
} from '../../ports/retention.port';

const DAY_MS = 86_400_000;

/** The three sweeps of a retention run. */
export type RetentionSweep = 'backups' | 'idempotency-keys' | 'requests';

/** One batch as it happened, for metrics. */
export interface RetentionBatch {
  sweep: RetentionSweep;
  counts: RetentionCounts;
  durationMs: number;
}

/** Dependencies of a retention run; `observe` sees every batch (metrics). */
export interface ApplyRetentionDeps {
  retention: RetentionStore;
  clock: Clock;
  observe?(batch: RetentionBatch): void;
}

/** How long things are kept, in whole days; 0 switches that sweep off. */
export interface RetentionWindows {
  /** Terminal requests (with history, keys and their deleted Backup) after they ended. */
  requestDays: number;
  /** Idempotency-Keys after they were stored. */
  idempotencyKeyDays: number;
  /** Backups are marked deleted once their dueToDeleteDate is this many days past. */
  backupGraceDays: number;
}

/** One run's windows and bounds. */
export interface ApplyRetentionInput {
  windows: RetentionWindows;
  /** Rows per batch (one transaction). */
  batchSize: number;
  /** No batch starts after this long; what is left waits for the next run. */
  maxRunMs: number;
  /** Count what would go instead of removing it. */
  dryRun?: boolean;
}

/** What a run did (or, dry, would do). */
export interface RetentionOutcome {
  cutoffs: RetentionCutoffs;
  counts: RetentionCounts;
  batches: number;
  /** False when the time bound stopped the run with rows still due. */
  complete: boolean;
  durationMs: number;
}

/** The cutoffs of a run starting at `now` (UTC calendar days for Backups). */
export function retentionCutoffs(windows: RetentionWindows, now: Date): RetentionCutoffs {
  const before = (days: number) => (days > 0 ? new Date(now.getTime() - days * DAY_MS) : null);
  const today = now.toISOString().slice(0, 10);
  return {
    requestsEndedBefore: before(windows.requestDays),
    keysCreatedBefore: before(windows.idempotencyKeyDays),
    backupsDueOnOrBefore:
      windows.backupGraceDays > 0 ? addCalendarDays(today, -windows.backupGraceDays) : null,
  };
}

function add(a: RetentionCounts, b: Partial<RetentionCounts>): RetentionCounts {
  return {
    requests: a.requests + (b.requests ?? 0),
    statusHistory: a.statusHistory + (b.statusHistory ?? 0),
    backups: a.backups + (b.backups ?? 0),
    idempotencyKeys: a.idempotencyKeys + (b.idempotencyKeys ?? 0),
    backupsMarked: a.backupsMarked + (b.backupsMarked ?? 0),
  };
}

/** Each enabled sweep as one batch step: the counts it produced and the rows it handled. */
function sweepsOf(
  retention: RetentionStore,
  cutoffs: RetentionCutoffs,
  now: Date,
  limit: number,
): Array<[RetentionSweep, () => Promise<[Partial<RetentionCounts>, number]>]> {
  const {
    backupsDueOnOrBefore: due,
    keysCreatedBefore: keys,
    requestsEndedBefore: ended,
  } = cutoffs;
  const sweeps: Array<[RetentionSweep, () => Promise<[Partial<RetentionCounts>, number]>]> = [];
  if (due !== null)
    sweeps.push([
      'backups',
      async () => {
        const marked = await retention.markBackupsDeleted(due, now, limit);
        return [{ backupsMarked: marked }, marked];
      },
    ]);
  if (keys !== null)
    sweeps.push([
      'idempotency-keys',
      async () => {
        const removed = await retention.removeIdempotencyKeys(keys, limit);
        return [{ idempotencyKeys: removed }, removed];
      },
    ]);
  if (ended !== null)
    sweeps.push([
      'requests',
      async () => {
        const counts = await retention.removeTerminalRequests(ended, limit);
        return [counts, counts.requests];
      },
    ]);
  return sweeps;
}

/**
 * One retention run: marks due Backups deleted, removes expired Idempotency-Keys and removes
 * terminal requests past their window. The sweeps take turns, one batch each, so a backlog
 * in one cannot starve the others; a sweep is done once a batch comes back short, and no
 * batch starts after `maxRunMs`. Cutoffs are fixed at the start, so a run always ends.
 */
export async function applyRetention(
  deps: ApplyRetentionDeps,
  input: ApplyRetentionInput,
): Promise<RetentionOutcome> {
  const started = deps.clock.now();
  const cutoffs = retentionCutoffs(input.windows, started);
  const elapsed = () => deps.clock.now().getTime() - started.getTime();
  if (input.dryRun) {
    const counts = await deps.retention.countDue(cutoffs);
    return { cutoffs, counts, batches: 0, complete: true, durationMs: elapsed() };
  }
  let pending = sweepsOf(deps.retention, cutoffs, started, input.batchSize);
  let counts: RetentionCounts = { ...NO_RETENTION_COUNTS };
  let batches = 0;
  while (pending.length > 0 && elapsed() < input.maxRunMs) {
    const stillDue: typeof pending = [];
    for (const [sweep, batch] of pending) {
      if (elapsed() >= input.maxRunMs) {
        stillDue.push([sweep, batch]);
        continue;
      }
      const batchStart = deps.clock.now().getTime();
      const [found, rows] = await batch();
      batches++;
      counts = add(counts, found);
      deps.observe?.({
        sweep,
        counts: add(NO_RETENTION_COUNTS, found),
        durationMs: deps.clock.now().getTime() - batchStart,
      });
      if (rows >= input.batchSize) stillDue.push([sweep, batch]);
    }
    pending = stillDue;
  }
  return { cutoffs, counts, batches, complete: pending.length === 0, durationMs: elapsed() };
}
