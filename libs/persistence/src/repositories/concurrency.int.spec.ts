import {
  EVENT_FOR_STATUS,
  REDRIVABLE_STATUSES,
  requestEvent,
  type BackupRequest,
  type StalledQuery,
} from '@linebacker/domain';
import { aChange, aRequest } from '../testing/fixtures';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { PostgresBackupRequestRepository } from './backup-request.repository';

describe('concurrent writers', () => {
  let db: TestPersistence;
  let requests: PostgresBackupRequestRepository;

  beforeAll(async () => {
    db = await openTestPersistence('concurrency', { poolSize: 12 });
    requests = new PostgresBackupRequestRepository(db.database);
  });
  afterAll(async () => db.stop());

  async function rowsOf(table: string, id: string): Promise<Array<Record<string, unknown>>> {
    const column = table === 'outbox' ? "payload->>'backupRequestId'" : 'backup_request_id::text';
    return db.database.query(`SELECT * FROM ${table} WHERE ${column} = $1`, [id]);
  }

  async function race(racers: number): Promise<void> {
    const request = aRequest();
    await requests.create(request, []);
    const changes = Array.from({ length: racers }, (_, i) =>
      aChange(request, 'Received', i % 2 === 0 ? 'Allowed' : 'NotAllowed'),
    );
    const results = await Promise.all(changes.map((change) => requests.applyChange(change)));

    expect(results.filter((result) => result === 'applied')).toHaveLength(1);
    const winner = changes[results.indexOf('applied')];
    expect((await requests.findById(request.backupRequestId))?.statusTypeCode).toBe(winner.to);
    const history = await rowsOf('backup_request_status_history', request.backupRequestId);
    expect(history.filter((row) => row['from_status_type_code'] === 'Received')).toEqual([
      expect.objectContaining({ message_id: winner.messageId }),
    ]);
    const outbox = await rowsOf('outbox', request.backupRequestId);
    expect(outbox.map((row) => row['causation_id'])).toEqual([winner.messageId]);
  }

  it('lets exactly one of two racers with the same `from` win', async () => {
    await race(2);
  });

  it('lets exactly one win in each of 50 rounds of 2 to 8 racers', async () => {
    for (let round = 0; round < 50; round++) await race(2 + (round % 7));
  });

  describe('claimStalled', () => {
    const hourAgo = (minutes: number) => new Date(Date.now() - 60 * 60_000 + minutes * 60_000);
    const redrive = (request: BackupRequest) => [
      requestEvent(EVENT_FOR_STATUS[request.statusTypeCode], request, null, new Date()),
    ];
    const query = (limit: number): StalledQuery => {
      const now = new Date();
      const before = new Date(now.getTime() - 60_000);
      return {
        statuses: REDRIVABLE_STATUSES,
        changedBefore: before,
        redrivenBefore: before,
        limit,
        now,
      };
    };

    async function seed(): Promise<{ stalled: string[]; other: string[] }> {
      // Earlier tests' requests must not count as stalled here.
      await db.database.query("UPDATE backup_request SET status_type_code = 'Failed'");
      const stalled: string[] = [];
      const other: string[] = [];
      for (let i = 0; i < 30; i++) {
        const request = aRequest(hourAgo(i));
        await requests.create(request, []);
        if (i % 2 === 1) await requests.applyChange(aChange(request, 'Received', 'Allowed'));
        stalled.push(request.backupRequestId);
      }
      const fresh = aRequest(new Date());
      await requests.create(fresh, []);
      const sent = aRequest(hourAgo(0));
      await requests.create(sent, []);
      await requests.applyChange(aChange(sent, 'Received', 'Allowed'));
      await requests.applyChange(aChange(sent, 'Allowed', 'Sent'));
      other.push(fresh.backupRequestId, sent.backupRequestId);
      await db.database.query('TRUNCATE outbox');
      return { stalled, other };
    }

    it('claims the oldest first, marks them and writes their re-drive messages', async () => {
      const { stalled } = await seed();
      const claimed = await requests.claimStalled(query(5), redrive);
      expect(claimed.map((request) => request.backupRequestId)).toEqual(stalled.slice(0, 5));
      const outbox = await db.database.query<{ type: string }>(
        'SELECT type FROM outbox ORDER BY sequence',
      );
      expect(outbox.map((row: { type: string }) => row.type)).toEqual(
        claimed.map((request) => EVENT_FOR_STATUS[request.statusTypeCode]),
      );
      // Marked as re-driven just now, so the same round does not claim them again.
      const again = await requests.claimStalled(query(5), redrive);
      expect(again.map((request) => request.backupRequestId)).toEqual(stalled.slice(5, 10));
    });

    it('writes nothing when building the re-drive messages fails', async () => {
      const { stalled } = await seed();
      const failure = new Error('redrive bug');
      await expect(
        requests.claimStalled(query(5), () => {
          throw failure;
        }),
      ).rejects.toBe(failure);
      const marked = await db.database.query(
        `SELECT count(*)::int AS count FROM backup_request
          WHERE redriven_timestamp IS NOT NULL AND backup_request_id = ANY($1::uuid[])`,
        [stalled],
      );
      expect(marked[0].count).toBe(0);
      expect((await requests.claimStalled(query(5), redrive)).length).toBe(5);
    });

    it('never hands the same request to two concurrent claimers', async () => {
      const { stalled } = await seed();
      const claimer = async (): Promise<string[]> => {
        const mine: string[] = [];
        for (;;) {
          const batch = await requests.claimStalled(query(4), redrive);
          if (batch.length === 0) return mine;
          mine.push(...batch.map((request) => request.backupRequestId));
        }
      };
      const [first, second] = await Promise.all([claimer(), claimer()]);
      expect(first.filter((id) => second.includes(id))).toEqual([]);
      expect([...first, ...second].sort()).toEqual([...stalled].sort());
      const outbox = await db.database.query<{ id: string }>(
        `SELECT payload->>'backupRequestId' AS id FROM outbox`,
      );
      expect(outbox.map((row: { id: string }) => row.id).sort()).toEqual([...stalled].sort());
    });
  });
});
