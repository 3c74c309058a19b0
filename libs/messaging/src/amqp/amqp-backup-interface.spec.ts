import { waitFor } from '@linebacker/testing';
import { fakeConnector, type FakeChannel, type FakeConnection } from '../testing/fake-amqp';
import { AmqpQueuePublisher } from './amqp-backup-interface';

const publisherChannel = (fake: ReturnType<typeof fakeConnector>): FakeChannel => {
  const channels = (fake.connections[0] as FakeConnection).channels;
  return channels[channels.length - 1] as FakeChannel;
};

describe('AmqpQueuePublisher with a fake broker', () => {
  it('sends through the default exchange with the queue name as routing key by default', async () => {
    const fake = fakeConnector(['ok']);
    const queue = new AmqpQueuePublisher({ url: 'amqp://fake', queue: 'requests' }, fake.connect);
    await queue.start();
    const sent = queue.sendJson({ a: 1 }, 'id-1');
    const channel = publisherChannel(fake);
    await waitFor(() => channel.published.length === 1, 'the publish');
    channel.confirm(0);
    await sent;
    expect(channel.published[0]).toMatchObject({ exchange: '', routingKey: 'requests' });
    await queue.stop();
  });

  it('sends through the configured exchange, checked at start, and declares no queue', async () => {
    const fake = fakeConnector(['ok']);
    const queue = new AmqpQueuePublisher(
      { url: 'amqp://fake', queue: 'requests', exchange: 'to-requests', declareQueue: false },
      fake.connect,
    );
    await queue.start();
    const channels = (fake.connections[0] as FakeConnection).channels;
    expect(channels.flatMap((c) => c.exchangesChecked)).toEqual(['to-requests']);
    const sent = queue.sendJson({ a: 1 }, 'id-1');
    const channel = publisherChannel(fake);
    await waitFor(() => channel.published.length === 1, 'the publish');
    channel.confirm(0);
    await sent;
    expect(channel.published[0]).toMatchObject({
      exchange: 'to-requests',
      routingKey: 'requests',
      options: expect.objectContaining({ messageId: 'id-1', mandatory: true }),
    });
    await queue.stop();
  });
});
