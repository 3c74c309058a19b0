import type { ChannelModel } from 'amqplib';
import { nodeLabel } from '../amqp/cluster-nodes';
import type { AmqpConnect } from '../amqp/connection-participant';
import { FakeConnection } from './fake-amqp';

/** A hand-written cluster of fake nodes that a test takes down and brings back. */
export interface FakeCluster {
  /** Opens a FakeConnection to the URL's node, or is refused while that node is down. */
  connect: AmqpConnect;
  /** Every node tried (`host:port`), in order. */
  tried: string[];
  /** Every URL opened or tried, as the supervisor passed it. */
  urls: string[];
  /** Nodes that refuse connections. */
  down: Set<string>;
  /** The latest connection opened to a node. */
  connectionTo(node: string): FakeConnection | undefined;
  /** The node dies: its connection drops, and it refuses new ones until `revive`. */
  kill(node: string): void;
  revive(node: string): void;
}

/** Builds a FakeCluster whose nodes are all up. */
export function fakeCluster(): FakeCluster {
  const down = new Set<string>();
  const tried: string[] = [];
  const urls: string[] = [];
  const open = new Map<string, FakeConnection>();
  const connect: AmqpConnect = async (url) => {
    const node = nodeLabel(url);
    tried.push(node);
    urls.push(url);
    if (down.has(node))
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const connection = new FakeConnection();
    open.set(node, connection);
    return connection as unknown as ChannelModel;
  };
  return {
    connect,
    tried,
    urls,
    down,
    connectionTo: (node) => open.get(node),
    kill: (node) => {
      down.add(node);
      open.get(node)?.drop(new Error('read ECONNRESET'));
    },
    revive: (node) => void down.delete(node),
  };
}
