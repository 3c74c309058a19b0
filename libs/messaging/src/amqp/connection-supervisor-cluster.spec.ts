import { fakeCluster } from '../testing/fake-cluster';
import { waitFor } from '@linebacker/testing';
import { nodeLabel } from './cluster-nodes';
import { ConnectionSupervisor } from './connection-supervisor';

const NODES = ['amqp://u:old@a:5701', 'amqp://u:old@b:5702', 'amqp://u:old@c:5703'];
const fast = {
  url: NODES.join(','),
  reconnectInitialDelayMs: 5,
  reconnectMaxDelayMs: 20,
  startupMaxAttempts: 1,
};

describe('ConnectionSupervisor on a cluster', () => {
  it('connects to the next node when the first refuses, within one start attempt', async () => {
    const cluster = fakeCluster();
    cluster.down.add('a:5701');
    const supervisor = new ConnectionSupervisor(fast, {}, cluster.connect);
    await supervisor.start();
    expect(cluster.tried).toEqual(['a:5701', 'b:5702']);
    expect(supervisor.currentNode()).toBe('b:5702');
    await supervisor.stop();
  });

  it('moves to the next node when its node dies, and replays every participant there', async () => {
    const cluster = fakeCluster();
    const events: string[] = [];
    const states: string[] = [];
    const supervisor = new ConnectionSupervisor(
      fast,
      { onConnectionChange: (state, _reason, node) => states.push(`${state} ${node}`) },
      cluster.connect,
    );
    await supervisor.add({
      onConnect: async (_connection, generation) => void events.push(`connect ${generation}`),
      onDisconnect: (generation) => void events.push(`disconnect ${generation}`),
    });
    await supervisor.start();
    cluster.kill('a:5701');
    await waitFor(() => supervisor.isReady(), 'the reconnect to another node');
    expect(supervisor.currentNode()).toBe('b:5702');
    expect(cluster.tried).toEqual(['a:5701', 'b:5702']);
    expect(events).toEqual(['connect 1', 'disconnect 1', 'connect 2']);
    expect(states).toEqual(['connected a:5701', 'disconnected a:5701', 'connected b:5702']);
    await supervisor.stop();
  });

  it('tries the lost node last, and goes back to it when the others are down', async () => {
    const cluster = fakeCluster();
    const supervisor = new ConnectionSupervisor(fast, {}, cluster.connect);
    await supervisor.start();
    cluster.kill('b:5702');
    cluster.kill('c:5703');
    // a's connection drops (a network blip) but a itself still accepts connections.
    cluster.kill('a:5701');
    cluster.revive('a:5701');
    await waitFor(() => supervisor.isReady(), 'the reconnect');
    expect(cluster.tried).toEqual(['a:5701', 'b:5702', 'c:5703', 'a:5701']);
    expect(supervisor.currentNode()).toBe('a:5701');
    await supervisor.stop();
  });

  it('keeps going round the nodes with backoff while all are down, until one is back', async () => {
    const cluster = fakeCluster();
    const errors: string[] = [];
    const supervisor = new ConnectionSupervisor(
      fast,
      { onError: (context) => errors.push(context) },
      cluster.connect,
    );
    await supervisor.start();
    NODES.map(nodeLabel).forEach(cluster.kill);
    await waitFor(() => cluster.tried.length >= 1 + 3 * 3, 'three failed rounds');
    cluster.revive('c:5703');
    await waitFor(() => supervisor.isReady(), 'the reconnect to c');
    expect(supervisor.currentNode()).toBe('c:5703');
    expect(errors.slice(0, 3)).toEqual([
      'reconnect attempt 1 to b:5702',
      'reconnect attempt 1 to c:5703',
      'reconnect attempt 1 to a:5701',
    ]);
    await supervisor.stop();
  });

  it('counts a start attempt as one round over every node', async () => {
    const cluster = fakeCluster();
    NODES.map(nodeLabel).forEach((node) => cluster.down.add(node));
    const supervisor = new ConnectionSupervisor(
      { ...fast, startupMaxAttempts: 2 },
      {},
      cluster.connect,
    );
    await expect(supervisor.start()).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/after 2 attempts on each of 3 nodes/),
    });
    expect(cluster.tried).toEqual(['a:5701', 'b:5702', 'c:5703', 'a:5701', 'b:5702', 'c:5703']);
  });

  it('opens every node with the separate password and the heartbeat', async () => {
    const cluster = fakeCluster();
    cluster.down.add('a:5701');
    const supervisor = new ConnectionSupervisor(
      { ...fast, password: 'n3w', heartbeatSeconds: 3 },
      {},
      cluster.connect,
    );
    await supervisor.start();
    for (const url of cluster.urls.map((u) => new URL(u)))
      expect([url.password, url.searchParams.get('heartbeat')]).toEqual(['n3w', '3']);
    await supervisor.stop();
  });

  it('rejects a malformed entry by its position, without showing it', () => {
    expect(
      () =>
        new ConnectionSupervisor(
          { url: `${NODES[0]},http://u:s3cret@x` },
          {},
          fakeCluster().connect,
        ),
    ).toThrow(/url entry 2 must start with amqp/);
    expect(
      () =>
        new ConnectionSupervisor(
          { url: `${NODES[0]},http://u:s3cret@x` },
          {},
          fakeCluster().connect,
        ),
    ).not.toThrow(/s3cret/);
  });
});
