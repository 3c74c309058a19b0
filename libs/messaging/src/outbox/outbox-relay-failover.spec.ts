import { EVENT_TYPES, type OutboxMessage } from '@linebacker/domain';
import { AmqpMessageBus } from '../amqp/amqp-message-bus';
import { anyPayloadSchemas } from '../testing/contract-harness';
import type { FakeChannel } from '../testing/fake-amqp';
import { fakeCluster, type FakeCluster } from '../testing/fake-cluster';
import { InMemoryOutboxStore } from '../testing/in-memory-outbox-store';
import { waitFor } from '@linebacker/testing';
import { OutboxRelay } from './outbox-relay';

const row = (n: number): OutboxMessage => ({
  messageId: `request-${n}:backup-request.received`,
  type: EVENT_TYPES.received,
  correlationId: `request-${n}`,
  causationId: null,
  occurredAt: new Date(),
  payload: { n },
});

/** The publisher's confirm channel on a node: the one channel still open there. */
const publisherChannel = (cluster: FakeCluster, node: string): FakeChannel | undefined =>
  cluster.connectionTo(node)?.channels.find((channel) => !channel.closed);

const publishedIds = (channel: FakeChannel | undefined): unknown[] =>
  (channel?.published ?? []).map((p) => p.options.messageId);

// The publisher keeps nothing across connections ("buffering nothing"): a message whose
// confirm never came is republished by whoever still holds it. For events, that is the
// outbox: a batch is marked sent only once every message of it was confirmed.
describe('the outbox relay when its node dies with messages unconfirmed', () => {
  it('republishes the same rows, with the same message ids, on the next node', async () => {
    const cluster = fakeCluster();
    const bus = new AmqpMessageBus(
      {
        url: 'amqp://u:p@a:5701,amqp://u:p@b:5702,amqp://u:p@c:5703',
        reconnectInitialDelayMs: 5,
        reconnectMaxDelayMs: 20,
        payloadSchemas: anyPayloadSchemas(EVENT_TYPES.received),
      },
      cluster.connect,
    );
    await bus.start();
    const store = new InMemoryOutboxStore();
    const errors: unknown[] = [];
    const relay = new OutboxRelay({
      store,
      bus,
      pollIntervalMs: 10,
      backoffInitialDelayMs: 10,
      backoffMaxDelayMs: 20,
      onError: (error) => errors.push(error),
    });
    store.add(row(1), row(2), row(3));
    relay.start();
    await waitFor(() => publishedIds(publisherChannel(cluster, 'a:5701')).length === 3, 'writes');
    const onA = publishedIds(publisherChannel(cluster, 'a:5701'));

    cluster.kill('a:5701');
    await waitFor(() => publishedIds(publisherChannel(cluster, 'b:5702')).length === 3, 'b');
    const channelB = publisherChannel(cluster, 'b:5702') as FakeChannel;
    expect(publishedIds(channelB)).toEqual(onA);
    expect(store.sent).toHaveLength(0);
    expect(errors[0]).toMatchObject({ kind: 'unavailable' });

    channelB.published.forEach((_, index) => channelB.confirm(index));
    await waitFor(() => store.sent.length === 3, 'the rows marked sent after the confirms');
    expect(store.sent.map((r) => r.messageId)).toEqual(onA);
    await relay.stop(100);
    await bus.stop(100);
  });
});
