import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { AzureBackupInterface } from './azure-backup-interface';
import { decodeMessage } from './queue-connection';
import { Azurite, azuriteConnectionString, freeTcpPort } from '@linebacker/testing';

jest.setTimeout(30_000);

let azurite: Azurite;
beforeAll(async () => {
  azurite = await Azurite.start();
});
afterAll(() => azurite.stop());

const request = (id: string, preparedDataPathName = '/prepared') => ({
  backupRequestId: id,
  backupJobId: 'job-1',
  dataDate: '2024-02-29',
  preparedDataPathName,
  storagePathName: '/stored',
  backupProviderCode: 'Local' as const,
});

describe('AzureBackupInterface on Azurite', () => {
  let queue: string;
  beforeEach(() => {
    queue = `requests-${randomUUID().slice(0, 8)}`;
  });
  afterEach(() => new QueueClient(azurite.connectionString, queue).deleteIfExists());

  it('sends one base64 JSON message per request, the body carrying backupRequestId', async () => {
    const sender = new AzureBackupInterface({
      account: { connectionString: azurite.connectionString },
      queue,
    });
    await sender.start();
    await sender.send(request('r-1'));
    const { receivedMessageItems } = await new QueueClient(
      azurite.connectionString,
      queue,
    ).receiveMessages();
    expect(receivedMessageItems).toHaveLength(1);
    const body = decodeMessage(receivedMessageItems[0]?.messageText ?? '', 'base64');
    expect(JSON.parse(body.toString())).toEqual(request('r-1'));
  });

  it('sends plain text when configured so', async () => {
    const sender = new AzureBackupInterface({
      account: { connectionString: azurite.connectionString },
      queue,
      encoding: 'text',
    });
    await sender.start();
    await sender.send(request('r-2'));
    const { peekedMessageItems } = await new QueueClient(
      azurite.connectionString,
      queue,
    ).peekMessages();
    expect(JSON.parse(peekedMessageItems[0]?.messageText ?? '')).toEqual(request('r-2'));
  });

  it('refuses a message over 64 KiB, permanently, without sending a truncated one', async () => {
    const sender = new AzureBackupInterface({
      account: { connectionString: azurite.connectionString },
      queue,
    });
    await sender.start();
    await expect(sender.send(request('r-big', 'x'.repeat(60_000)))).rejects.toMatchObject({
      kind: 'permanent',
      code: 'MessageTooLarge',
    });
    const props = await new QueueClient(azurite.connectionString, queue).getProperties();
    expect(props.approximateMessagesCount).toBe(0);
  });

  it('fails unavailable when nothing listens (connection refused)', async () => {
    const sender = new AzureBackupInterface({
      account: { connectionString: azuriteConnectionString(await freeTcpPort()) },
      queue,
      startupMaxAttempts: 1,
    });
    await expect(sender.start()).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(sender.send(request('r-3'))).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'AzureQueueUnreachable',
    });
  });

  it('fails permanent on an authentication failure (403: a wrong account key)', async () => {
    const wrongKey = azurite.connectionString.replace(
      /AccountKey=[^;]+/,
      `AccountKey=${Buffer.from('wrong').toString('base64')}`,
    );
    const sender = new AzureBackupInterface({ account: { connectionString: wrongKey }, queue });
    await expect(sender.start()).rejects.toMatchObject({
      kind: 'permanent',
      code: 'AzureQueueRefused403',
    });
  });
});
