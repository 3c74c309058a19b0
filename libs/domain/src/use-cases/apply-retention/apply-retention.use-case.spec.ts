import {
  NO_RETENTION_COUNTS,
  type RetentionCounts,
  type RetentionCutoffs,
  type RetentionStore,
} from '../../ports/retention.port';
import { FakeClock } from '../../testing';
import {
  applyRetention,
  retentionCutoffs,
  type RetentionBatch,
  type RetentionWindows,
} from './apply-retention.use-case';

/** A store holding a number of due rows per sweep; each batch costs `batchMs` on the clock. */
class CountingRetentionStore implements RetentionStore {
  readonly calls: string[] = [];
  constructor(
    private readonly clock: FakeClock,
    readonly due: { backups: number; keys: number; requests: number },
    private readonly batchMs = 10,
  ) {}

  private take(kind: 'backups' | 'keys' | 'requests', limit: number): number {
    this.calls.push(kind);
    this.clock.advance(this.batchMs);
    const taken = Math.min(limit, this.due[kind]);
    this.due[kind] -= taken;
    return taken;
  }

  async markBackupsDeleted(_due: string, _at: Date, limit: number): Promise<number> {
    return this.take('backups', limit);
  }

  async removeIdempotencyKeys(_before: Date, limit: number): Promise<number> {
    return this.take('keys', limit);
  }

  async removeTerminalRequests(_before: Date, limit: number): Promise<RetentionCounts> {
    const requests = this.take('requests', limit);
    return { ...NO_RETENTION_COUNTS, requests, statusHistory: 3 * requests };
  }

  async countDue(_cutoffs: RetentionCutoffs): Promise<RetentionCounts> {
    this.calls.push('count');
    return {
      ...NO_RETENTION_COUNTS,
      requests: this.due.requests,
      idempotencyKeys: this.due.keys,
      backupsMarked: this.due.backups,
    };
  }
}

const WINDOWS: RetentionWindows = { requestDays: 90, idempotencyKeyDays: 7, backupGraceDays: 1 };

describe('applyRetention', () => {
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock('2026-12-10T12:00:00.000Z');
  });

  it('fixes its cutoffs at the start: days before now, Backups by UTC calendar day', () => {
    expect(retentionCutoffs(WINDOWS, clock.now())).toEqual({
      requestsEndedBefore: new Date('2026-09-11T12:00:00.000Z'),
      keysCreatedBefore: new Date('2026-12-03T12:00:00.000Z'),
      backupsDueOnOrBefore: '2026-12-09',
    });
  });

  it('switches off each sweep whose window is 0', async () => {
    const store = new CountingRetentionStore(clock, { backups: 5, keys: 5, requests: 5 });
    const windows = { requestDays: 0, idempotencyKeyDays: 7, backupGraceDays: 0 };
    expect(retentionCutoffs(windows, clock.now())).toMatchObject({
      requestsEndedBefore: null,
      backupsDueOnOrBefore: null,
    });
    const outcome = await applyRetention(
      { retention: store, clock },
      { windows, batchSize: 100, maxRunMs: 1000 },
    );
    expect(store.calls).toEqual(['keys']);
    expect(outcome.counts).toEqual({ ...NO_RETENTION_COUNTS, idempotencyKeys: 5 });
  });

  it('lets the sweeps take turns until each comes back short', async () => {
    const store = new CountingRetentionStore(clock, { backups: 0, keys: 25, requests: 15 });
    const batches: RetentionBatch[] = [];
    const outcome = await applyRetention(
      { retention: store, clock, observe: (batch) => batches.push(batch) },
      { windows: WINDOWS, batchSize: 10, maxRunMs: 60_000 },
    );
    expect(store.calls).toEqual(['backups', 'keys', 'requests', 'keys', 'requests', 'keys']);
    expect(outcome).toMatchObject({
      batches: 6,
      complete: true,
      counts: { requests: 15, statusHistory: 45, idempotencyKeys: 25, backupsMarked: 0 },
    });
    expect(batches[2]).toEqual({
      sweep: 'requests',
      counts: { ...NO_RETENTION_COUNTS, requests: 10, statusHistory: 30 },
      durationMs: 10,
    });
  });

  it('starts no batch once its time is spent, and says the run is incomplete', async () => {
    const store = new CountingRetentionStore(clock, { backups: 0, keys: 0, requests: 1000 }, 40);
    const outcome = await applyRetention(
      { retention: store, clock },
      { windows: WINDOWS, batchSize: 10, maxRunMs: 100 },
    );
    // 40 ms each: backups, keys, requests (120 ms) and no more.
    expect(store.calls).toEqual(['backups', 'keys', 'requests']);
    expect(outcome).toMatchObject({ complete: false, batches: 3, durationMs: 120 });
    expect(store.due.requests).toBe(990);
  });

  it('only counts on a dry run', async () => {
    const store = new CountingRetentionStore(clock, { backups: 2, keys: 3, requests: 4 });
    const outcome = await applyRetention(
      { retention: store, clock },
      { windows: WINDOWS, batchSize: 10, maxRunMs: 1000, dryRun: true },
    );
    expect(store.calls).toEqual(['count']);
    expect(outcome.counts).toMatchObject({ requests: 4, idempotencyKeys: 3, backupsMarked: 2 });
    expect(store.due).toEqual({ backups: 2, keys: 3, requests: 4 });
  });
});
