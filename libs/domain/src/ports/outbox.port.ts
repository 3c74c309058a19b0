import type { OutboxMessage } from '../messages/outbox-message';

/** An outbox row: a message plus its position in creation order. */
export interface OutboxRecord extends OutboxMessage {
  /** Monotonic position (bigint as a decimal string); rows are published in this order. */
  sequence: string;
}

/**
 * Which rows one take may lock. Every field narrows it, and an empty take admits every row:
 * `lane` to the rows written on one lane (a process's own, ADR 0412), `olderThanMs` to the rows
 * of any lane written at least that long ago, and `skip` leaves out rows by sequence (the
 * rows a relay set aside after each failed to publish on its own, ADR 0413).
 */
export interface OutboxTake {
  lane?: number;
  olderThanMs?: number;
  skip?: readonly string[];
}

/**
 * The outbox as the relay sees it. `processBatch` locks up to `limit` of the oldest unsent
 * rows that `take` admits (skipping rows another relay holds), hands them to `publish`, and
 * marks them sent in the same transaction only if `publish` resolves; if it throws, the rows
 * stay for later.
 */
export interface OutboxStore {
  processBatch(
    limit: number,
    publish: (records: OutboxRecord[]) => Promise<void>,
    take?: OutboxTake,
  ): Promise<number>;
  /** Rows not yet published, and the age of the oldest in milliseconds (0 when empty). */
  backlog(now: Date): Promise<{ count: number; oldestAgeMs: number }>;
}
