import {
  errorKindOf,
  type OutboxRecord,
  type OutboxStore,
  type OutboxTake,
} from '@linebacker/domain';
import type { OutgoingMessage } from '../port/envelope';
import type { MessageBus } from '../port/message-bus.port';
import { backoffDelay, settlesWithin, StopBudget, WakeableDelay } from '@linebacker/runtime';
import { SetAsideRows } from './set-aside-rows';

/** The relay's store, bus and settings; every setting has a default. */
export interface OutboxRelayOptions {
  /** The outbox (PostgreSQL in production: FOR UPDATE SKIP LOCKED). */
  store: OutboxStore;
  /** Where rows go: `publishBatch` resolves once every message is confirmed. */
  bus: Pick<MessageBus, 'publishBatch'>;
  /** Rows per batch (default 100). */
  batchSize?: number;
  /**
   * The lane this process writes its outbox rows on (ADR 0412). With a lane, each take after a
   * commit locks only this process's rows, and once per poll interval a sweep takes the rows
   * of any lane older than `sweepAfterMs` (those of a process that died or fell behind).
   * Without one, every take is of the oldest rows of all.
   */
  lane?: number;
  /** Age in ms from which any relay's sweep takes a row of another lane (default 5000). */
  sweepAfterMs?: number;
  /** Safety-net poll when nobody calls `wake()`, in ms (default 1000). */
  pollIntervalMs?: number;
  /** First delay after a failed batch, in ms, doubled per failure (default 200). */
  backoffInitialDelayMs?: number;
  /** Longest delay after failures, in ms (default 10000). */
  backoffMaxDelayMs?: number;
  /**
   * How long a row that failed to publish alone with a permanent error is left out of the
   * takes, in ms (default 60000); doubled each time it fails again, up to ten times (ADR 0413).
   */
  setAsideMs?: number;
  /** A row failed to publish alone and is set aside for `retryInMs` (must not throw). */
  onSetAside?(record: OutboxRecord, error: unknown, retryInMs: number): void;
  /** Rows each take published, 0 for a take that found none (for metrics; must not throw). */
  onTake?(count: number): void;
  /** A batch failed; the relay waits `retryInMs` (a `permanent` error needs a human). */
  onError?(error: unknown, retryInMs: number): void;
}

/** An outbox row as the bus publishes it. */
export function outboxRecordToMessage(record: OutboxRecord): OutgoingMessage {
  return {
    messageId: record.messageId,
    type: record.type,
    correlationId: record.correlationId,
    causationId: record.causationId,
    occurredAt: record.occurredAt,
    payload: record.payload,
  };
}

/**
 * Publishes committed outbox rows in sequence order with pipelined confirms; the store
 * marks a batch sent only when every message of it was confirmed, so a crash or broker loss
 * yields re-publishes (duplicates), never losses. Safe with many instances: the store skips
 * rows another relay holds. Order holds within one relay; across relays it does not.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly sweepAfterMs: number;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private pending = false;
  /** The loop's idle wait, which `wake` and `stop` end early. */
  private readonly idle = new WakeableDelay();
  private failures = 0;
  /** Takes left to make one row at a time, after a permanent failure: the own lane's, the sweep's. */
  private readonly isolating = { own: 0, sweep: 0 };
  /** When the next sweep of other lanes' old rows is due (ms; 0: at the next step). */
  private nextSweepAt = 0;
  private sweepFailures = 0;
  private readonly setAside: SetAsideRows;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.sweepAfterMs = options.sweepAfterMs ?? 5000;
    const firstMs = options.setAsideMs ?? 60_000;
    this.setAside = new SetAsideRows({ firstMs, maxMs: firstMs * 10 });
  }

  /** Starts the relay loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** A commit just added rows: relay now instead of at the next poll (ignored during backoff). */
  wake(): void {
    this.pending = true;
    if (this.failures === 0) this.idle.wake();
  }

  /** One batch of this relay's own rows now (every row without a lane); returns how many. */
  async relayOnce(): Promise<number> {
    return (await this.takeOwn()).count;
  }

  /** One batch of this relay's own rows: its lane's, or every row without a lane. */
  private takeOwn(): Promise<Taken> {
    const { lane } = this.options;
    return this.takeIsolating('own', lane === undefined ? undefined : { lane });
  }

  /**
   * A take of `kind`. After a permanent failure it goes one row at a time for a batch's worth
   * of rows: the rows before the bad one get out in order (without being re-sent as part of a
   * failed batch), and the bad one fails alone, which sets it aside.
   */
  private async takeIsolating(
    kind: keyof OutboxRelay['isolating'],
    take: OutboxTake | undefined,
  ): Promise<Taken> {
    const isolating = this.isolating[kind] > 0;
    try {
      const taken = await this.take(take, isolating ? 1 : this.batchSize);
      // A row went out, or was set aside: one fewer to go alone.
      if (isolating && taken.more) this.isolating[kind] -= 1;
      return taken;
    } catch (error) {
      if (errorKindOf(error) === 'permanent') this.isolating[kind] = this.batchSize;
      throw error;
    }
  }

  /**
   * Takes, publishes and deletes up to `limit` of the rows `take` admits, leaving the rows set
   * aside. A row that fails to publish alone with a permanent error is set aside in turn: the
   * take counts as one that may have left more behind, not as a failure.
   */
  private async take(take: OutboxTake | undefined, limit: number): Promise<Taken> {
    const skip = this.setAside.active(Date.now());
    // The rows whose publish failed, to tell a publish error from the database's own.
    const failed: { records?: OutboxRecord[] } = {};
    let count: number;
    try {
      count = await this.options.store.processBatch(
        limit,
        async (records) => {
          try {
            await this.options.bus.publishBatch(records.map(outboxRecordToMessage));
          } catch (error) {
            failed.records = records;
            throw error;
          }
          this.setAside.published(records.map((record) => record.sequence));
        },
        skip.length > 0 ? { ...take, skip } : take,
      );
    } catch (error) {
      const alone = failed.records?.length === 1 ? failed.records[0] : undefined;
      if (alone === undefined || errorKindOf(error) !== 'permanent') throw error;
      const retryInMs = this.setAside.add(alone.sequence, Date.now());
      this.options.onSetAside?.(alone, error, retryInMs);
      return { count: 0, more: true };
    }
    this.options.onTake?.(count);
    return { count, more: count > 0 && count >= limit };
  }

  /**
   * With a lane, when due (at start, then once per poll interval): a batch of any lane's rows
   * older than the sweep age. Its failures are its own: a sweep the database refused, or a
   * batch with a row that cannot be published (until that row fails alone and is set aside),
   * is reported and retried with a backoff of its own, and does not hold back this relay's
   * own rows.
   */
  private async sweepIfDue(): Promise<boolean> {
    if (this.options.lane === undefined || Date.now() < this.nextSweepAt) return false;
    try {
      const { more } = await this.takeIsolating('sweep', { olderThanMs: this.sweepAfterMs });
      this.sweepFailures = 0;
      // A full sweep may have left more behind: the next step sweeps again.
      this.nextSweepAt = more ? 0 : Date.now() + this.pollIntervalMs;
      return more;
    } catch (error) {
      this.sweepFailures += 1;
      const retryInMs = Math.max(this.pollIntervalMs, this.backoff(this.sweepFailures));
      this.nextSweepAt = Date.now() + retryInMs;
      this.options.onError?.(error, retryInMs);
      return false;
    }
  }

  private backoff(failures: number): number {
    return backoffDelay(failures, {
      initialDelayMs: this.options.backoffInitialDelayMs ?? 200,
      maxDelayMs: this.options.backoffMaxDelayMs ?? 10_000,
    });
  }

  /**
   * Stops the loop, then flushes what it can until the outbox is empty or the deadline
   * passes. A batch waiting on confirms from a node that stopped answering is left behind at
   * the deadline: its rows were never marked sent, so they go out again (same message ids)
   * from the next relay.
   */
  async stop(deadlineMs = 5000): Promise<void> {
    const budget = new StopBudget(deadlineMs);
    this.running = false;
    this.idle.wake();
    if (!(await settlesWithin(this.loopDone, budget.left()))) return;
    while (budget.left() > 0) {
      let published = 0;
      const batch = this.relayOnce().then(
        (count) => (published = count),
        () => undefined, // the broker or the database is down: the rows stay for the next start
      );
      if (!(await settlesWithin(batch, budget.left())) || published === 0) return;
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.pending = false;
      const delayMs = await this.step();
      if (delayMs > 0 && this.running && !(this.pending && this.failures === 0))
        await this.idle.wait(delayMs);
    }
  }

  /** One batch, and a sweep when due; returns how long to wait before the next (0: at once). */
  private async step(): Promise<number> {
    try {
      const own = await this.takeOwn();
      this.failures = 0;
      const sweptMore = await this.sweepIfDue();
      // A full batch, or a row set aside, means more may be waiting: go on at once.
      return own.more || sweptMore ? 0 : this.pollIntervalMs;
    } catch (error) {
      this.failures += 1;
      const delayMs = this.backoff(this.failures);
      this.options.onError?.(error, delayMs);
      return delayMs;
    }
  }
}

/** What one take did: rows published, and whether more may be waiting. */
interface Taken {
  count: number;
  more: boolean;
}
