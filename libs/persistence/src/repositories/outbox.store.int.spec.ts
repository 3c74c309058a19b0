import { requestEvent, EVENT_TYPES, type OutboxRecord } from '@linebacker/domain';
import { aRequest } from '../testing/fixtures';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { PostgresBackupRequestRepository } from './backup-request.repository';
import { PostgresOutboxStore } from './outbox.store';

describe('PostgresOutboxStore', () => {
  let db: TestPersistence;
  let requests: PostgresBackupRequestRepository;
  let outbox: PostgresOutboxStore;

  beforeAll(async () => {
    db = await openTestPersistence('outbox');
    requests = new PostgresBackupRequestRepository(db.database);
    outbox = new PostgresOutboxStore(db.database);
  });
  afterAll(async () => db.stop());
  beforeEach(async () => db.database.query('TRUNCATE outbox'));

  /** Writes `count` messages through intake, oldest first, one second apart. */
  async function write(count: number, start = new Date('2024-03-01T10:00:00.000Z')) {
    const messages = [];
    for (let i = 0; i < count; i++) {
      const request = aRequest(new Date(start.getTime() + i * 1000));
      const message = requestEvent(
        EVENT_TYPES.received,
        request,
        `cause-${i}`,
        request.receivedTimestamp,
      );
      await requests.create(request, [message]);
      messages.push(message);
    }
    return messages;
  }
  const remaining = async (): Promise<number> =>
    (await db.database.query<{ count: number }>('SELECT count(*)::int AS count FROM outbox'))[0]
      ?.count ?? 0;

  it('hands over the oldest rows in sequence order and deletes them once published', async () => {
    const messages = await write(5);
    const seen: OutboxRecord[] = [];
    expect(await outbox.processBatch(3, async (records) => void seen.push(...records))).toBe(3);
    expect(seen.map(({ sequence: _, ...message }) => message)).toEqual(messages.slice(0, 3));
    expect(seen.map((record) => BigInt(record.sequence))).toEqual(
      [...seen.map((record) => BigInt(record.sequence))].sort((a, b) => (a < b ? -1 : 1)),
    );
    expect(typeof seen[0].sequence).toBe('string');
    expect(await remaining()).toBe(2);
    expect(await outbox.processBatch(10, async (records) => void seen.push(...records))).toBe(2);
    expect(await outbox.processBatch(10, async () => undefined)).toBe(0);
  });

  it('keeps the order of messages written in one transaction', async () => {
    const request = aRequest();
    const types = [EVENT_TYPES.received, EVENT_TYPES.allowed, EVENT_TYPES.sent, EVENT_TYPES.failed];
    const messages = types.map((type) => requestEvent(type, request, null, new Date()));
    await requests.create(request, messages);
    let seen: string[] = [];
    await outbox.processBatch(10, async (records) => void (seen = records.map((r) => r.type)));
    expect(seen).toEqual(types);
  });

  it('keeps the rows and rethrows the error when publishing fails', async () => {
    await write(3);
    const failure = new Error('broker said no');
    await expect(outbox.processBatch(10, async () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
    expect(await remaining()).toBe(3);
    expect(await outbox.processBatch(10, async () => undefined)).toBe(3);
  });

  it('keeps the rows when the relay session dies after publishing, before its commit', async () => {
    await write(2);
    const killRelaySession = () =>
      db.database.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'idle in transaction'
            AND query LIKE '%DELETE FROM outbox%'`,
      );
    const taking = outbox.processBatch(10, async (records) => {
      expect(records).toHaveLength(2);
      expect(await killRelaySession()).toEqual([{ pg_terminate_backend: true }]);
    });
    await expect(taking).rejects.toMatchObject({ kind: 'unavailable' });
    expect(await remaining()).toBe(2);
  });

  it('gives two concurrent relays disjoint rows', async () => {
    await write(6);
    let releaseFirst!: () => void;
    const firstHolding = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstTook: string[] = [];
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    const first = outbox.processBatch(3, async (records) => {
      firstTook = records.map((record) => record.sequence);
      started();
      await firstHolding;
    });
    await firstStarted;
    let secondTook: string[] = [];
    await outbox.processBatch(3, async (records) => {
      secondTook = records.map((record) => record.sequence);
    });
    releaseFirst();
    await first;
    expect(firstTook).toHaveLength(3);
    expect(secondTook).toHaveLength(3);
    expect(firstTook.filter((sequence) => secondTook.includes(sequence))).toEqual([]);
    expect(await remaining()).toBe(0);
  });

  it('reports the backlog and the age of its oldest message', async () => {
    expect(await outbox.backlog(new Date())).toEqual({ count: 0, oldestAgeMs: 0 });
    await write(2, new Date('2024-03-01T10:00:00.000Z'));
    expect(await outbox.backlog(new Date('2024-03-01T10:01:00.000Z'))).toEqual({
      count: 2,
      oldestAgeMs: 60_000,
    });
  });
});
