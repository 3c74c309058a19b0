import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { Azurite } from '@linebacker/testing';
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
