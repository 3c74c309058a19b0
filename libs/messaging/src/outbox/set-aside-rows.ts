/** How long a row is set aside the first time, and at most (each repeat doubles it). */
export interface SetAsideOptions {
  /** First period, in ms (default 60000). */
  firstMs?: number;
  /** Longest period, in ms (default 600000). */
  maxMs?: number;
  /** Rows remembered at most; the one due back first is forgotten to make room (default 100). */
  capacity?: number;
}

interface Entry {
  /** When the row may be taken again (ms since the epoch). */
  until: number;
  /** How long it was set aside the last time. */
  periodMs: number;
}

/**
 * The outbox rows one relay leaves out of its takes for a while, by sequence: each failed to
 * publish alone with a permanent error (ADR 0413). A row comes back when its period ends,
 * and goes aside for twice as long if it fails again. The rows stay in the outbox meanwhile:
 * nothing is lost, and the backlog's age shows them.
 */
export class SetAsideRows {
  private readonly entries = new Map<string, Entry>();
  private readonly firstMs: number;
  private readonly maxMs: number;
  private readonly capacity: number;

  constructor(options: SetAsideOptions = {}) {
    this.firstMs = options.firstMs ?? 60_000;
    this.maxMs = Math.max(this.firstMs, options.maxMs ?? 600_000);
    this.capacity = Math.max(1, options.capacity ?? 100);
  }

  /** Sets `sequence` aside from `now`; returns for how long (ms). */
  add(sequence: string, now: number): number {
    const previous = this.entries.get(sequence);
    const periodMs = previous ? Math.min(this.maxMs, previous.periodMs * 2) : this.firstMs;
    this.entries.delete(sequence);
    if (this.entries.size >= this.capacity) this.forgetFirstDue();
    this.entries.set(sequence, { until: now + periodMs, periodMs });
    return periodMs;
  }

  /** The sequences still set aside at `now`. Forgets rows due back longer ago than the longest period. */
  active(now: number): string[] {
    const sequences: string[] = [];
    for (const [sequence, { until }] of this.entries) {
      if (until > now) sequences.push(sequence);
      else if (now - until > this.maxMs) this.entries.delete(sequence);
    }
    return sequences;
  }

  /** Forgets rows that were published after all. */
  published(sequences: readonly string[]): void {
    if (this.entries.size === 0) return;
    for (const sequence of sequences) this.entries.delete(sequence);
  }

  private forgetFirstDue(): void {
    let first: [string, number] | undefined;
    for (const [sequence, { until }] of this.entries)
      if (first === undefined || until < first[1]) first = [sequence, until];
    if (first) this.entries.delete(first[0]);
  }
}
