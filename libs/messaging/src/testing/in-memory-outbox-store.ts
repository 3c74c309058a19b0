import type { OutboxMessage, OutboxRecord, OutboxStore, OutboxTake } from '@linebacker/domain';

/** A row as the fake keeps it: the record, the lane it was written on and when. */
interface Row {
  record: OutboxRecord;
  lane: number;
  writtenAt: number;
}

/**
 * A hand-written OutboxStore for tests, with the PostgreSQL store's semantics: oldest unsent
 * rows first, only the rows a take admits (a lane, an age, none it skips), rows held by a
 * running batch are skipped by others (SKIP LOCKED), and a batch is marked sent only if
 * `publish` resolves.
 */
export class InMemoryOutboxStore implements OutboxStore {
  readonly sent: OutboxRecord[] = [];
  private readonly rows: Row[] = [];
  private readonly locked = new Set<string>();
  private sequence = 0;
  /** Test aid: makes the next processBatch calls fail as if the database were down. */
  failNext = 0;
  /** Test aid: how many batches were asked for, empty ones included (a relay's passes). */
  batchesAsked = 0;
  /** Test aid: the take of every batch asked for, in order (undefined: every row). */
  readonly takes: (OutboxTake | undefined)[] = [];

  /** Appends rows as a committed transaction of a session without a lane would (lane 0). */
  add(...messages: OutboxMessage[]): OutboxRecord[] {
    return this.addOnLane(0, ...messages);
  }

  /** Appends rows as a committed transaction of a session on `lane` would. */
  addOnLane(lane: number, ...messages: OutboxMessage[]): OutboxRecord[] {
    const records = messages.map((m) => ({ ...m, sequence: String(++this.sequence) }));
    const writtenAt = Date.now();
    this.rows.push(...records.map((record) => ({ record, lane, writtenAt })));
    return records;
  }

  /** Locks up to `limit` free rows that `take` admits, publishes them, marks them sent on success. */
  async processBatch(
    limit: number,
    publish: (records: OutboxRecord[]) => Promise<void>,
    take?: OutboxTake,
  ): Promise<number> {
    this.batchesAsked += 1;
    this.takes.push(take);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('database unavailable');
    }
    const batch = this.rows
      .filter((row) => !this.locked.has(row.record.sequence) && this.admits(take, row))
      .slice(0, limit);
    if (batch.length === 0) return 0;
    const records = batch.map((row) => row.record);
    records.forEach((r) => this.locked.add(r.sequence));
    try {
      await publish(records);
      for (const row of batch) this.rows.splice(this.rows.indexOf(row), 1);
      this.sent.push(...records);
      return records.length;
    } finally {
      records.forEach((r) => this.locked.delete(r.sequence));
    }
  }

  /** Unsent rows and the age of the oldest. */
  async backlog(now: Date): Promise<{ count: number; oldestAgeMs: number }> {
    const oldest = this.rows[0];
    return {
      count: this.rows.length,
      oldestAgeMs: oldest ? now.getTime() - oldest.record.occurredAt.getTime() : 0,
    };
  }

  private admits(take: OutboxTake | undefined, row: Row): boolean {
    if (take?.lane !== undefined && row.lane !== take.lane) return false;
    if (take?.olderThanMs !== undefined && row.writtenAt >= Date.now() - take.olderThanMs)
      return false;
    return !take?.skip?.includes(row.record.sequence);
  }
}
