import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import {
  Azurite,
  outboxBacklog,
  PIPELINE_WORKER_APPS,
  pipelineProcessStack,
  startPipeline,
  type ProcessStack,
} from '@linebacker/testing';
import { closeE2eEnvironment, openE2eEnvironment, type E2eEnvironment } from './e2e-environment';
import {
  interfaceStats,
  nonEmpty,
  notifiedRequestIds,
  settledOutcomes,
  settledQueueDepths,
} from './stack-checks';
import { acceptedRequests, pollUntil, postAll, requestMix, retriedCalls } from './traffic';

const REQUESTS = 500;
const IN_FLIGHT = 5;

/** The text of an Azure queue message as the apps write it (base64 of the JSON). */
const base64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');

async function depth(client: QueueClient): Promise<number> {
  return (await client.getProperties()).approximateMessagesCount ?? 0;
}

describe('the pipeline with the backup interface on Azure Storage Queues (Azurite)', () => {
  let env: E2eEnvironment;
  let azurite: Azurite;
  let stack: ProcessStack | undefined;

  beforeAll(async () => {
    env = await openE2eEnvironment('azure');
    azurite = await Azurite.start();
  }, 60_000);

  afterAll(async () => {
    try {
      await closeE2eEnvironment(env, stack);
    } finally {
      await azurite?.stop();
    }
  }, 60_000);

  it('takes 500 requests to legal end states across an Azurite restart, poisoning a bad reply and dead-lettering one for an unknown id', async () => {
    const { db, namespace } = env;
    const suffix = randomUUID().slice(0, 8);
    const requestQueue = `requests-${suffix}`;
    const replyQueue = `replies-${suffix}`;
    stack = pipelineProcessStack({
      databaseUrl: env.database.url,
      amqpUrl: env.broker.url,
      namespace,
      env: {
        LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
        LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING: azurite.connectionString,
        LINEBACKER_INTERFACE_AZURE_REQUEST_QUEUE: requestQueue,
        LINEBACKER_INTERFACE_AZURE_REPLY_QUEUE: replyQueue,
        // A reply whose delete was lost in the outage comes back after 40 s, not 60.
        LINEBACKER_INTERFACE_AZURE_VISIBILITY_TIMEOUT_MS: '40000',
        LINEBACKER_INTERFACE_AZURE_POLL_MAX_DELAY_MS: '500',
        LINEBACKER_SIM_REPLY_DELAY_MS: '20',
        LINEBACKER_SIM_FAILED_SHARE: '0.2',
      },
    });
    // Workers start one app at a time (a loaded CI machine starts a dozen at once slowly);
    // two receivers compete for the Azure reply queue, one instance of every other worker.
    const endpoints = await startPipeline(
      stack,
      Object.fromEntries(PIPELINE_WORKER_APPS.map((app) => [app, 0])),
    );
    for (const app of PIPELINE_WORKER_APPS)
      await stack.startMany(app, app === 'interface-receiver' ? 2 : 1);
    const replies = new QueueClient(azurite.connectionString, replyQueue);
    const requests = new QueueClient(azurite.connectionString, requestQueue);
    const poison = new QueueClient(azurite.connectionString, `${replyQueue}-poison`);

    // A reply no one can parse (poisoned at once) and a valid reply for an id linebacker
    // never issued (handed on, then dead-lettered by receive-status as RequestNotFound).
    await replies.sendMessage(base64('{"apiVersion": "2022-05-22", "backupRequestId":'));
    const unknownId = randomUUID();
    await replies.sendMessage(
      base64({
        apiVersion: '2022-05-22',
        backupRequestId: unknownId,
        storagePathName: '/stored/unknown',
        resultTypeCode: 'Succeeded',
        backupByteCount: 1,
        copyStartTimestamp: new Date().toISOString(),
        copyEndTimestamp: new Date().toISOString(),
      }),
    );

    const posting = postAll(endpoints.receiverUrl, requestMix(REQUESTS, 'azure'), IN_FLIGHT);
    // The outage: Azurite goes away while requests and replies are on the move.
    const moving = await pollUntil(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM backup_request WHERE status_type_code IN ('Succeeded', 'Failed')`,
        );
        return (rows[0]?.n ?? 0) >= 20;
      },
      300_000,
      100,
    );
    expect(moving).toBe(true);
    await azurite.kill();
    await pollUntil(() => false, 3_000, 3_000); // the outage lasts three seconds
    await azurite.restart();

    const results = await posting;
    // Calls that got no answer were tried again under their Idempotency-Key, as a client does.
    console.log(`retried calls: ${JSON.stringify(retriedCalls(results))}`);
    expect(results.filter((r) => r.status !== 202)).toEqual([]);
    const accepted = acceptedRequests(results);
    const ids = accepted.map((r) => r.backupRequestId);
    const { summary, allowed } = await settledOutcomes(db, accepted, 300_000);
    expect(summary.NotAllowed).toBe(REQUESTS - allowed);
    expect(summary.Succeeded + summary.Failed).toBe(allowed);
    expect(summary.backups).toBe(summary.Succeeded);

    // Each allowed request reached the interface, recognised by backupRequestId: one
    // distinct effect each. A second copy is sent only where a send failed ambiguously (it
    // timed out, or the connection dropped, after Azurite may have stored the message), the
    // HTTP counterpart of a lost publisher confirm; the interface drops it by the id.
    const stats = await interfaceStats(endpoints.interfaceUrl);
    expect(stats).toMatchObject({ distinctRequests: allowed, mismatchedMessageIds: 0 });
    const ambiguousSends = stack.linesOf(
      'send-to-interface',
      (line) =>
        line['message'] === 'message handled' &&
        line['outcome'] !== 'ok' &&
        ['AzureQueueTimeout', 'AzureQueueUnreachable', 'HandlerTimeout'].includes(
          String(line['errorCode']),
        ),
    ).length;
    console.log(
      `interface: ${stats.attempts} attempts, ${stats.duplicateAttempts} duplicates, ${ambiguousSends} ambiguous sends`,
    );
    expect(stats.attempts).toBe(allowed + stats.duplicateAttempts);
    expect(stats.duplicateAttempts).toBeLessThanOrEqual(ambiguousSends);

    // Nothing left on the Azure queues but the one poisoned reply, with its reason. A message
    // the simulator has read stays counted (invisible) until its delete lands, which lags the
    // read under load (19 requests in one run on a saturated machine), and one whose delete
    // was lost comes back after the simulator's 30 s visibility timeout: both drain in time.
    const depths = async () => ({ requests: await depth(requests), replies: await depth(replies) });
    await pollUntil(async () => Object.values(await depths()).every((n) => n === 0), 60_000, 500);
    expect(await depths()).toEqual({ requests: 0, replies: 0 });
    const { peekedMessageItems } = await poison.peekMessages({ numberOfMessages: 32 });
    expect(peekedMessageItems.map((m) => JSON.parse(m.messageText))).toEqual([
      expect.objectContaining({ errorCode: 'InvalidInterfaceReply', queue: replyQueue }),
    ]);

    // Nothing left on the broker but the reply for the unknown id, dead-lettered.
    expect(await pollUntil(async () => (await outboxBacklog(db)) === 0, 10_000)).toBe(true);
    const left = nonEmpty(await settledQueueDepths(namespace, 5_000));
    expect(Object.entries(left)).toEqual([[expect.stringMatching(/receive-status.*\.dlq$/), 1]]);

    const notified = notifiedRequestIds(stack);
    expect(ids.filter((id) => !notified.has(id)).slice(0, 10)).toEqual([]);
    expect(stack.unexpectedExits()).toEqual([]);
    const exits = await stack.stopAll();
    expect(exits.filter((exit) => exit.code !== 0)).toEqual([]);
  }, 900_000);
});
