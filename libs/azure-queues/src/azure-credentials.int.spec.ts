import { randomUUID } from 'node:crypto';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  QueueClient,
  StorageSharedKeyCredential,
} from '@azure/storage-queue';
import { isLinebackerError } from '@linebacker/domain';
import { Azurite, DEV_ACCOUNT, DEV_KEY } from '@linebacker/testing';
import { AzureBackupInterface } from './azure-backup-interface';
import { AzureQueueConsumer } from './azure-queue-consumer';
import type { AzureQueueCredential } from './queue-connection';
import { AzureQueueDepths } from './queue-depths';

jest.setTimeout(30_000);

let azurite: Azurite;
beforeAll(async () => {
  azurite = await Azurite.start();
});
afterAll(() => azurite.stop());

/** An account SAS for queues, signed with the dev account's key (what an operator is handed). */
function accountSas(key = DEV_KEY): string {
  return generateAccountSASQueryParameters(
    {
      services: AccountSASServices.parse('q').toString(),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      permissions: AccountSASPermissions.parse('rwdlacup'),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(DEV_ACCOUNT, key),
  ).toString();
}

const WRONG_KEY = Buffer.from('not the account key, but base64 all the same').toString('base64');

const request = (id: string) => ({
  backupRequestId: id,
  backupJobId: 'job-1',
  dataDate: '2024-02-29',
  preparedDataPathName: '/prepared',
  storagePathName: '/stored',
  backupProviderCode: 'Local' as const,
});

describe.each<[string, () => AzureQueueCredential]>([
  ['a shared key', () => ({ kind: 'shared-key', accountKey: DEV_KEY })],
  ['a SAS token', () => ({ kind: 'sas', sasToken: accountSas() })],
])('an account URL with %s on Azurite', (_name, credential) => {
  const queue = `creds-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    const admin = (name: string) => new QueueClient(azurite.connectionString, name);
    await admin(queue).deleteIfExists();
    await admin(`${queue}-poison`).deleteIfExists();
  });

  it('sends through the backup interface and receives through the consumer', async () => {
    const account = { accountUrl: azurite.accountUrl, credential: credential() };
    const sender = new AzureBackupInterface({ account, queue });
    await sender.start();
    await sender.send(request('r-1'));
    expect(await new AzureQueueDepths({ account }, [queue]).depths()).toEqual({ [queue]: 1 });

    const received: string[] = [];
    let handled!: () => void;
    const done = new Promise<void>((resolve) => (handled = resolve));
    const consumer = new AzureQueueConsumer({ account, queue, pollMaxDelayMs: 200 }, async (m) => {
      received.push(JSON.parse(m.body.toString()).backupRequestId);
      handled();
    });
    await consumer.start();
    try {
      await done;
    } finally {
      await consumer.stop(1000);
    }
    expect(received).toEqual(['r-1']);
  });
});

describe('a wrong credential', () => {
  it.each<[string, AzureQueueCredential]>([
    ['account key', { kind: 'shared-key', accountKey: WRONG_KEY }],
    ['SAS signature', { kind: 'sas', sasToken: accountSas(WRONG_KEY) }],
  ])(
    'fails start-up as a permanent 403 (a wrong %s), its secret not in the message',
    async (_n, c) => {
      const sender = new AzureBackupInterface({
        account: { accountUrl: azurite.accountUrl, credential: c },
        queue: `creds-${randomUUID().slice(0, 8)}`,
        startupMaxAttempts: 3,
        startupDelayMs: 10,
      });
      const failure = await sender.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isLinebackerError(failure)).toBe(true);
      expect(failure).toMatchObject({ kind: 'permanent', code: 'AzureQueueRefused403' });
      const secret =
        c.kind === 'sas'
          ? new URLSearchParams(c.sasToken).get('sig')
          : (c as { accountKey: string }).accountKey;
      expect((failure as Error).message).not.toContain(secret);
    },
  );
});
