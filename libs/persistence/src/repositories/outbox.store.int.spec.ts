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

  describe('lanes (ADR 0412)', () => {
    /** Writes one intake message through a pool opened on `lane` (undefined: none set). */
    async function writeOnLane(lane: number | undefined): Promise<string> {
      const pool = await db.openPool({
        poolSize: 2,
        ...(lane === undefined ? {} : { outboxLane: lane }),
      });
      try {
        const request = aRequest();
        const message = requestEvent(EVENT_TYPES.received, request, null, new Date());
        await new PostgresBackupRequestRepository(pool).create(request, [message]);
        return message.messageId;
      } finally {
        await pool.close();
      }
    }
    const lanes = async (): Promise<number[]> =>
      (await db.database.query<{ lane: number }>('SELECT lane FROM outbox ORDER BY sequence')).map(
        (row) => row.lane,
      );
    const take = async (limit: number, how: Parameters<PostgresOutboxStore['processBatch']>[2]) => {
      const ids: string[] = [];
      await outbox.processBatch(
        limit,
        async (records) => void ids.push(...records.map((r) => r.messageId)),
        how,
      );
      return ids;
    };

    it('stamps each row with the lane its session set, and 0 where none was set', async () => {
      await writeOnLane(7);
      await writeOnLane(123_456_789);
      await writeOnLane(undefined);
      expect(await lanes()).toEqual([7, 123_456_789, 0]);
    });

    it("takes only the given lane's rows, oldest first", async () => {
      const a1 = await writeOnLane(1);
      const b1 = await writeOnLane(2);
      const a2 = await writeOnLane(1);
      expect(await take(10, { lane: 1 })).toEqual([a1, a2]);
      expect(await take(10, { lane: 1 })).toEqual([]);
      expect(await take(10, { lane: 2 })).toEqual([b1]);
    });

    it('sweeps the rows of any lane written at least the given age ago, and no younger ones', async () => {
      const old1 = await writeOnLane(1);
      const old0 = await writeOnLane(undefined);
      await db.database.query("UPDATE outbox SET created_at = now() - interval '10 seconds'");
      const young = await writeOnLane(1);
      expect(await take(10, { olderThanMs: 5_000 })).toEqual([old1, old0]);
      expect(await take(10, { olderThanMs: 5_000 })).toEqual([]);
      expect(await take(10, undefined)).toEqual([young]);
    });

    it('leaves the skipped sequences, and narrows by every field given at once', async () => {
      const a1 = await writeOnLane(1);
      const a2 = await writeOnLane(1);
      const a3 = await writeOnLane(1);
      const b1 = await writeOnLane(2);
      const sequenceOf = async (messageId: string): Promise<string> => {
        const [found] = await db.database.query<{ sequence: string }>(
          'SELECT sequence::text AS sequence FROM outbox WHERE message_id = $1',
          [messageId],
        );
        return found?.sequence ?? 'missing';
      };
      const skip = [await sequenceOf(a1), await sequenceOf(a3)];
      expect(await take(10, { lane: 1, skip })).toEqual([a2]);
      expect(await take(10, { olderThanMs: 0, skip })).toEqual([b1]);
      expect(await take(10, { skip: [] })).toEqual([a1, a3]);
    });

    it('refuses a skipped sequence that is not a bigint', async () => {
      await writeOnLane(1);
      await expect(take(10, { skip: ["1'); DROP TABLE outbox; --"] })).rejects.toThrow(
        'not a sequence',
      );
      expect(await remaining()).toBe(1);
    });

    it('refuses a lane that is not an integer before anything reaches the server', async () => {
      await expect(take(10, { lane: 1.5 })).rejects.toThrow('not an integer');
      // A closed pool would refuse any session: the take is refused before it asks for one.
      const closed = await db.openPool({ poolSize: 1 });
      await closed.close();
      await expect(
        new PostgresOutboxStore(closed).processBatch(10, async () => undefined, { lane: 1.5 }),
      ).rejects.toThrow('not an integer');
    });
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
