import { connect } from 'amqplib';
import {
  deleteBrokerNamespace,
  modulesOf,
  rabbitmqForTests,
  recordLoadedModules,
  startBundle,
  testNamespace,
  waitFor,
} from '@linebacker/testing';

describe('sim-backup-interface process', () => {
  it('replies to each request on the reply queue and counts attempts and duplicates', async () => {
    const loaded = recordLoadedModules();
    const broker = await rabbitmqForTests();
    const namespace = testNamespace('simif');
    const requestQueue = `${namespace}.requests`;
    const replyQueue = `${namespace}.replies`;
    const sim = startBundle('sim-backup-interface', {
      ...loaded.env,
      LINEBACKER_INTERFACE_AMQP_URL: broker.url,
      LINEBACKER_INTERFACE_REQUEST_QUEUE: requestQueue,
      LINEBACKER_INTERFACE_REPLY_QUEUE: replyQueue,
      LINEBACKER_SIM_REPLY_DELAY_MS: '0',
      LINEBACKER_SIM_FAILED_SHARE: '0',
      LINEBACKER_SIM_INTERFACE_PORT: '0',
    });
    const connection = await connect(broker.url);
    try {
      const listening = await sim.waitForLine((line) => line['message'] === 'listening');
      const channel = await connection.createConfirmChannel();
      const request = {
        backupRequestId: '3f2c1d9e-8a7b-4c6d-9e0f-1a2b3c4d5e6f',
        backupJobId: 'job-1',
        dataDate: '2024-02-29',
        preparedDataPathName: '/prepared',
        storagePathName: '/vault',
        backupProviderCode: 'Local',
      };
      for (let i = 0; i < 2; i++) {
        channel.sendToQueue(requestQueue, Buffer.from(JSON.stringify(request)), {
          messageId: request.backupRequestId,
          persistent: true,
        });
      }
      await channel.waitForConfirms();
      const stats = async () =>
        (await (await fetch(`${String(listening['address'])}/stats`)).json()) as {
          attempts: number;
        };
      await waitFor(async () => (await stats()).attempts >= 2, 'both attempts', 5000, 100);
      expect(await stats()).toMatchObject({
        attempts: 2,
        distinctRequests: 1,
        duplicateAttempts: 1,
        replies: 1,
        succeeded: 1,
      });
      const reply = await channel.get(replyQueue, { noAck: true });
      expect(reply && JSON.parse(reply.content.toString())).toMatchObject({
        backupRequestId: request.backupRequestId,
        resultTypeCode: 'Succeeded',
      });
    } finally {
      await connection.close();
      expect(await sim.stop()).toBe(0);
      await deleteBrokerNamespace(broker.url, namespace);
      await broker.stop();
    }
    // On AMQP the Azure SDK is never loaded (ADR 0112).
    expect(modulesOf(loaded.read(), '@azure').slice(0, 3)).toEqual([]);
  }, 30_000);
});
