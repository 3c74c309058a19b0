/** One item's result within a batch: its value, or the error that is its own. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

/** Settles `work` as an item's result: its value or its own error. */
export const settle = <O>(work: Promise<O>): Promise<Settled<O>> =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** What a part of the repository tells of its batches of one kind. */
export interface BatchObserver {
  /** A batch of `size` calls is starting (for the metrics; must not throw). */
  started(size: number): void;
  /** A batch of `size` calls failed as a whole (for the log and the metrics; must not throw). */
  failed(error: unknown, size: number): void;
}

/**
 * Runs a batch as one statement (`together`), and if that fails, reports the failure and runs
 * each item on its own (`alone`), so an error reaches only the item it belongs to. One item
 * runs alone at once.
 */
export async function togetherOrAlone<I, O>(
  batch: readonly I[],
  together: (items: readonly I[]) => Promise<O[]>,
  alone: (item: I) => Promise<O>,
  observer: BatchObserver,
): Promise<Settled<O>[]> {
  if (batch.length > 1) {
    try {
      return (await together(batch)).map((value) => ({ ok: true, value }));
    } catch (error) {
      observer.failed(error, batch.length);
    }
  }
  return Promise.all(batch.map((item) => settle(alone(item))));
}

/** Bounds of a {@link Coalescer}. */
export interface CoalescerOptions {
  /** Batches running at once; further items wait and go together in the next batch. */
  maxInFlight: number;
  /** Items per batch at most. */
  maxBatch: number;
  /**
   * How long a batch waits after its first item for more to join, in ms. 0 or absent: until
   * the end of the event-loop turn, no timer.
   */
  lingerMs?: number;
}

interface Waiting<I, O> {
  item: I;
  key: string;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit without a timer. A batch starts at the end of the event-loop turn in which
 * its first item was submitted (`setImmediate`), if fewer than `maxInFlight` batches run: every
 * item submitted in that turn goes with it. One socket read of the broker's can hold many
 * deliveries, whose handlers all call in the same turn, so they share one statement instead
 * of the first ones each taking a slot alone. An idle service pays one turn, not a timer.
 * Items submitted while the limit is reached wait, and go together as the next batch when one
 * finishes. Under load, the batches grow to the number of callers that arrived during one
 * batch's round trip. With `lingerMs`, a batch waits that long after its first item instead
 * of one turn: fewer, larger batches for a few ms more per call.
 *
 * Two items with the same key never share a batch (the second waits for the next one), so
 * a batch never holds two changes to the same row. `runBatch` settles every item itself: an
 * item's error belongs to that item only.
 */
export class Coalescer<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  /** A pump is due at the end of this event-loop turn. */
  private pumpDue = false;

  constructor(
    private readonly runBatch: (items: I[]) => Promise<Settled<O>[]>,
    private readonly keyOf: (item: I) => string,
    private readonly options: CoalescerOptions,
    /** Told the size of every batch as it starts (for the metrics; must not throw). */
    private readonly onBatch: (size: number) => void = () => undefined,
  ) {}

  /** Runs `item` in the next batch that has room for it. */
  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, key: this.keyOf(item), resolve, reject });
      if (this.pumpDue) return;
      this.pumpDue = true;
      const pumpNow = (): void => {
        this.pumpDue = false;
        this.pump();
      };
      const linger = this.options.lingerMs ?? 0;
      if (linger > 0) setTimeout(pumpNow, linger);
      else setImmediate(pumpNow);
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      this.onBatch(batch.length);
      void this.execute(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** The oldest waiting items, up to `maxBatch`, at most one per key; the rest keep waiting. */
  private takeBatch(): Waiting<I, O>[] {
    const keys = new Set<string>();
    const batch: Waiting<I, O>[] = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.options.maxBatch;) {
      const entry = this.waiting[i] as Waiting<I, O>;
      if (keys.has(entry.key)) {
        i += 1;
        continue;
      }
      keys.add(entry.key);
      batch.push(entry);
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async execute(batch: Waiting<I, O>[]): Promise<void> {
    let results: Settled<O>[];
    try {
      results = await this.runBatch(batch.map((entry) => entry.item));
    } catch (error) {
      results = batch.map(() => ({ ok: false, error }));
    }
    batch.forEach((entry, i) => {
      const result = results[i];
      if (result === undefined) entry.reject(new Error('batch returned no result for an item'));
      else if (result.ok) entry.resolve(result.value);
      else entry.reject(result.error);
    });
  }
}
