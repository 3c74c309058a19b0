import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { globalAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { QueueClient, StorageSharedKeyCredential } from '@azure/storage-queue';
import { Azurite, DEV_ACCOUNT, DEV_KEY, ManagedIdentityEndpoint } from '@linebacker/testing';
import { runCli } from './testing/run-cli';

jest.setTimeout(60_000);

describe('linebacker interface-replies (Azure poison queue)', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await Azurite.start();
  });
  afterAll(() => azurite.stop());

  it('lists the poisoned replies with their reasons and replays them to the reply queue', async () => {
    const queue = `replies-${randomUUID().slice(0, 8)}`;
    const poison = new QueueClient(azurite.connectionString, `${queue}-poison`);
    await poison.create();
    await new QueueClient(azurite.connectionString, queue).create();
    const original = Buffer.from('{"not":"a reply"}').toString('base64');
    // What AzureQueueConsumer writes when it poisons a reply.
    await poison.sendMessage(
      JSON.stringify({
        linebackerPoison: 1,
        queue,
        errorCode: 'InvalidInterfaceReply',
        reason: 'reply fails its schema',
        parkedAt: new Date().toISOString(),
        dequeueCount: 1,
        messageId: 'm-1',
        messageText: original,
      }),
    );
    const env = {
      LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
      LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING: azurite.connectionString,
      LINEBACKER_INTERFACE_AZURE_REPLY_QUEUE: queue,
    };
    const listed = await runCli(['interface-replies', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        messageId: 'm-1',
        errorCode: 'InvalidInterfaceReply',
        body: '{"not":"a reply"}',
      }),
    ]);

    const missing = await runCli(['interface-replies', 'replay', '--id', 'nope'], env);
    expect(missing.code).toBe(3);
    const replayed = await runCli(['interface-replies', 'replay', '--id', 'm-1', '--json'], env);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual({ replayed: ['m-1'], missing: [] });
    expect(replayed.stderr).toContain('"audit":"interface-replies.replay"');
    const { peekedMessageItems } = await new QueueClient(
      azurite.connectionString,
      queue,
    ).peekMessages();
    expect(peekedMessageItems.map((m) => m.messageText)).toEqual([original]);
  });
});

describe('linebacker interface-replies signed in with Entra ID', () => {
  let azurite: Azurite;
  let identity: ManagedIdentityEndpoint;
  const caBefore = globalAgent.options.ca;
  beforeAll(async () => {
    azurite = await Azurite.start({ httpsWithOAuth: true });
    // Only this test's own set-up client trusts the certificate in-process (through the
    // global agent, which the SDK uses with keep-alive off); the CLI gets NODE_EXTRA_CA_CERTS.
    globalAgent.options.ca = [...rootCertificates, readFileSync(azurite.certificatePath, 'utf8')];
  });
  afterAll(async () => {
    globalAgent.options.ca = caBefore;
    await identity?.stop();
    await azurite.stop();
  });
  const admin = (queue: string) =>
    new QueueClient(
      `${azurite.accountUrl}/${queue}`,
      new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
      { keepAliveOptions: { enable: false } },
    );
  const entraEnv = (queue: string) => ({
    ...identity.env,
    NODE_EXTRA_CA_CERTS: azurite.certificatePath,
    LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
    LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: azurite.accountUrl,
    LINEBACKER_INTERFACE_AZURE_ENTRA_ID: 'true',
    LINEBACKER_INTERFACE_AZURE_REPLY_QUEUE: queue,
  });

  it('replays a poisoned reply with a managed identity token, and is refused with a foreign one', async () => {
    identity = await ManagedIdentityEndpoint.start();
    const queue = `replies-${randomUUID().slice(0, 8)}`;
    await admin(queue).create();
    await admin(`${queue}-poison`).create();
    const original = Buffer.from('{"not":"a reply"}').toString('base64');
    await admin(`${queue}-poison`).sendMessage(
      JSON.stringify({
        linebackerPoison: 1,
        queue,
        errorCode: 'InvalidInterfaceReply',
        reason: 'reply fails its schema',
        parkedAt: new Date().toISOString(),
        dequeueCount: 1,
        messageId: 'm-entra',
        messageText: original,
      }),
    );

    // Receives from the poison queue, sends to the reply queue, deletes: all as the identity.
    const replayed = await runCli(
      ['interface-replies', 'replay', '--all', '--json'],
      entraEnv(queue),
    );
    expect({ code: replayed.code, stderr: replayed.stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(replayed.stdout)).toEqual({ replayed: ['m-entra'], missing: [] });
    expect(identity.issued).toBeGreaterThan(0);
    const { peekedMessageItems } = await admin(queue).peekMessages();
    expect(peekedMessageItems.map((m) => m.messageText)).toEqual([original]);

    // A token for another resource: the account refuses it (permanent, exit 1, not 4).
    await identity.stop();
    identity = await ManagedIdentityEndpoint.start(() => 'https://vault.azure.net');
    const refused = await runCli(['interface-replies', 'list'], entraEnv(queue));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/peek .*-poison: HTTP 403/);
  });
});
