import { PermanentError } from '@linebacker/domain';
import { settlesWithin } from '@linebacker/runtime';
import { waitFor } from '@linebacker/testing';
import {
  fakeConnector,
  hangBroker,
  type FakeChannel,
  type FakeConnection,
} from '../testing/fake-amqp';
import { AmqpBackupInterface } from './amqp-backup-interface';
import { AmqpExternalQueueConsumer } from './amqp-external-queue-consumer';

describe('AmqpExternalQueueConsumer with a fake broker', () => {
  it('parks through the return exchange, checked at start, with the parked queue as routing key', async () => {
    const fake = fakeConnector(['ok']);
    const consumer = new AmqpExternalQueueConsumer(
      { url: 'amqp://fake', queue: 'replies', returnExchange: 'to-replies', declareQueue: false },
      async () => {
        throw new PermanentError('InvalidReply', 'not a reply');
      },
      fake.connect,
    );
    await consumer.start();
    const channels = (fake.connections[0] as FakeConnection).channels;
    expect(channels.flatMap((c) => c.exchangesChecked)).toEqual(['to-replies']);
    const delivering = channels.find((c) => c.consumer) as FakeChannel;
    const message = delivering.deliver('{', 1);
    const publisher = () => channels.find((c) => c.published.length > 0);
    await waitFor(() => publisher() !== undefined, 'the parking publish');
    publisher()?.confirm(0);
    await waitFor(() => delivering.acked.length === 1, 'the ack');
    expect(publisher()?.published[0]).toMatchObject({
      exchange: 'to-replies',
      routingKey: 'replies.parked',
    });
    expect(delivering.acked[0]).toBe(message);
    await consumer.stop(100);
  });

  it('stops within its deadline when the broker answers neither the cancel nor the close', async () => {
    const fake = fakeConnector(['ok']);
    const consumer = new AmqpExternalQueueConsumer(
      { url: 'amqp://fake', queue: 'replies', declareQueue: false },
      async () => undefined,
      fake.connect,
    );
    await consumer.start();
    hangBroker(fake.connections[0] as FakeConnection);
    expect(await settlesWithin(consumer.stop(200), 1_000)).toBe(true);
  });

  it('lets the backup interface publisher stop within its deadline on a hung broker', async () => {
    const fake = fakeConnector(['ok']);
    const backupInterface = new AmqpBackupInterface(
      { url: 'amqp://fake', queue: 'backup-interface.requests', declareQueue: false },
      fake.connect,
    );
    await backupInterface.start();
    hangBroker(fake.connections[0] as FakeConnection);
    expect(await settlesWithin(backupInterface.stop(200), 1_000)).toBe(true);
  });
});
