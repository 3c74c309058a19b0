import type { OutboxMessage, OutboxRecord, OutboxStore } from '@linebacker/domain';

/**
 * A hand-written OutboxStore for tests, with the PostgreSQL store's semantics: oldest
 * unsent rows first, rows held by a running batch are skipped by others (SKIP LOCKED), and
 * a batch is marked sent only if `publish` resolves.
 */
export class InMemoryOutboxStore implements OutboxStore {
  readonly sent: OutboxRecord[] = [];
  private readonly rows: OutboxRecord[] = [];
  private readonly locked = new Set<string>();
  private sequence = 0;
  /** Test aid: makes the next processBatch calls fail as if the database were down. */
  failNext = 0;
  /** Test aid: how many batches were asked for, empty ones included (a relay's passes). */
  batchesAsked = 0;

  /** Appends rows as a committed transaction would. */
  add(...messages: OutboxMessage[]): OutboxRecord[] {
    const records = messages.map((m) => ({ ...m, sequence: String(++this.sequence) }));
    this.rows.push(...records);
    return records;
  }

  /** Locks up to `limit` free rows, publishes them, marks them sent on success. */
  async processBatch(
    limit: number,
    publish: (records: OutboxRecord[]) => Promise<void>,
  ): Promise<number> {
    this.batchesAsked += 1;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('database unavailable');
    }
    const batch = this.rows.filter((r) => !this.locked.has(r.sequence)).slice(0, limit);
    if (batch.length === 0) return 0;
    batch.forEach((r) => this.locked.add(r.sequence));
    try {
      await publish(batch);
      for (const record of batch) this.rows.splice(this.rows.indexOf(record), 1);
      this.sent.push(...batch);
      return batch.length;
    } finally {
      batch.forEach((r) => this.locked.delete(r.sequence));
    }
  }

  /** Unsent rows and the age of the oldest. */
  async backlog(now: Date): Promise<{ count: number; oldestAgeMs: number }> {
    const oldest = this.rows[0];
    return {
      count: this.rows.length,
      oldestAgeMs: oldest ? now.getTime() - oldest.occurredAt.getTime() : 0,
    };
  }
}
