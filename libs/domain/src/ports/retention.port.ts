/** Rows of each kind a retention step removed (or, counted dry, would remove). */
export interface RetentionCounts {
  /** Terminal requests removed. */
  requests: number;
  /** History rows removed with their requests. */
  statusHistory: number;
  /** Backup records removed with their requests (only ones already marked deleted). */
  backups: number;
  /** Idempotency-Keys removed: expired ones, and those of removed requests. */
  idempotencyKeys: number;
  /** Backups marked deleted (the row stays, `deletedTimestamp` set). */
  backupsMarked: number;
}

/** What is due, fixed when a retention run starts; a null bound switches that sweep off. */
export interface RetentionCutoffs {
  /**
   * A terminal request that ended before this instant goes, with its history, its keys and
   * its Backup, unless that Backup is not yet marked deleted or was marked after it.
   */
  requestsEndedBefore: Date | null;
  /** An Idempotency-Key stored before this instant goes. */
  keysCreatedBefore: Date | null;
  /** A Backup not on hold whose `dueToDeleteDate` is on or before this date is marked deleted. */
  backupsDueOnOrBefore: string | null;
}

/**
 * The database side of retention. Each method handles at most `limit` rows in one
 * transaction, skipping rows another transaction holds, so several instances sweep at once
 * without waiting on each other or on the pipeline. A request is removed only in a terminal
 * status, checked under its row lock.
 */
export interface RetentionStore {
  /** Marks due Backups deleted at `at`; returns how many. */
  markBackupsDeleted(dueOnOrBefore: string, at: Date, limit: number): Promise<number>;
  /** Removes Idempotency-Keys stored before `createdBefore`; returns how many. */
  removeIdempotencyKeys(createdBefore: Date, limit: number): Promise<number>;
  /** Removes terminal requests past their window with everything that refers to them. */
  removeTerminalRequests(endedBefore: Date, limit: number): Promise<RetentionCounts>;
  /** What a run with these cutoffs would remove or mark, without changing anything. */
  countDue(cutoffs: RetentionCutoffs): Promise<RetentionCounts>;
}

/** No rows of any kind. */
export const NO_RETENTION_COUNTS: Readonly<RetentionCounts> = Object.freeze({
  requests: 0,
  statusHistory: 0,
  backups: 0,
  idempotencyKeys: 0,
  backupsMarked: 0,
});
