import { randomUUID } from 'node:crypto';
import { sendToInterface, systemClock, type SendToInterfaceDeps } from '@linebacker/domain';
import { RecordingBackupInterface } from '@linebacker/domain/testing';
import { aChange, aRequest } from '../testing/fixtures';
import { openTestPersistence, type TestPersistence } from '../testing/test-database';
import { PostgresBackupRequestRepository } from './backup-request.repository';

const IDS = 200;

describe('two send-to-interface instances handling the same requests at once', () => {
  let db: TestPersistence;
  let first: PostgresBackupRequestRepository;
  let second: PostgresBackupRequestRepository;

  beforeAll(async () => {
    db = await openTestPersistence('sendclaim', { poolSize: 5 });
    first = new PostgresBackupRequestRepository(db.database);
    second = new PostgresBackupRequestRepository(await db.openPool({ poolSize: 5 }));
  });
  afterAll(async () => db.stop());

  async function allowedRequests(count: number): Promise<string[]> {
    return Promise.all(
      Array.from({ length: count }, async () => {
        const request = aRequest();
        await first.create(request, []);
        const patch = { backupProviderCode: 'Local', storagePathName: '/store' } as const;
        await first.applyChange(aChange(request, 'Received', 'Allowed', { patch }));
        return request.backupRequestId;
      }),
    );
  }

  it('sends each request to the interface once, and moves each to Sent once', async () => {
    const ids = await allowedRequests(IDS);
    const backupInterface = new RecordingBackupInterface();
    // Each send yields, so both instances' handlers are between their read and their commit
    // together: without a claim both read Allowed and both send.
    backupInterface.onSend = () => new Promise((resolve) => setImmediate(resolve));
    const deps = (requests: PostgresBackupRequestRepository, service: string) =>
      ({
        requests,
        backupInterface,
        clock: systemClock,
        ids: { newId: () => randomUUID() },
        service,
        sendClaimTtlMs: 60_000,
      }) satisfies SendToInterfaceDeps;
    const instances = [deps(first, 'send-a'), deps(second, 'send-b')];

    const outcomes = await Promise.all(
      ids.flatMap((backupRequestId) =>
        instances.map((instance) =>
          sendToInterface(instance, { backupRequestId, messageId: `${backupRequestId}:allowed` }),
        ),
      ),
    );

    const sent = backupInterface.sent.map((request) => request.backupRequestId);
    expect(sent.sort()).toEqual([...ids].sort());
    expect(outcomes.filter((outcome) => outcome.outcome === 'applied')).toHaveLength(IDS);
    const [moves] = await db.database.query(
      `SELECT count(*)::int AS n, count(DISTINCT backup_request_id)::int AS requests
         FROM backup_request_status_history
        WHERE to_status_type_code = 'Sent' AND backup_request_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(moves).toEqual({ n: IDS, requests: IDS });
  });
});
