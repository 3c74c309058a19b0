/**
 * How a client walks a cluster's node list: `in-order` as listed (every instance prefers the
 * first node), `shuffle` in an order each instance draws once at start-up (connections spread
 * over the nodes).
 */
export type NodeOrder = 'in-order' | 'shuffle';

/** The node orders, for configuration parsers. */
export const NODE_ORDERS: readonly NodeOrder[] = ['in-order', 'shuffle'];

/**
 * `x-quorum-initial-group-size` as configured: `auto` (3 replicas when the URL lists three or
 * more nodes, otherwise left to the broker), `none` (always left to the broker), or a number.
 */
export type QuorumGroupSizeSetting = number | 'auto' | 'none';

/** Replicas per quorum queue that `auto` asks for on a cluster of three or more nodes. */
export const AUTO_QUORUM_GROUP_SIZE = 3;

/** The group size to declare for a setting and a node count (undefined: do not declare one). */
export function resolveQuorumGroupSize(
  setting: QuorumGroupSizeSetting,
  nodeCount: number,
): number | undefined {
  if (setting === 'none') return undefined;
  if (setting === 'auto')
    return nodeCount >= AUTO_QUORUM_GROUP_SIZE ? AUTO_QUORUM_GROUP_SIZE : undefined;
  return setting;
}

/** The URLs of a comma-separated node list, trimmed; empty entries are kept for validation. */
export function splitNodeUrls(list: string): string[] {
  return list.split(',').map((url) => url.trim());
}

/** Where a node URL points, for logs: `host:port`, never the credentials or the vhost. */
export function nodeLabel(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672');
    return `${parsed.hostname}:${port}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * The order in which the supervisor tries the nodes. A round visits every node once,
 * starting with the node after the one it was last connected to: that node has just been
 * lost, so it is most likely the one that is down, and it is tried last.
 */
export class NodeRotation {
  private readonly urls: readonly string[];
  private last = -1;

  constructor(urls: readonly string[], order: NodeOrder, random: () => number = Math.random) {
    if (urls.length === 0) throw new Error('a node list needs at least one URL');
    this.urls = order === 'shuffle' ? shuffled(urls, random) : [...urls];
  }

  /** How many nodes the list holds. */
  get size(): number {
    return this.urls.length;
  }

  /** Every node once, in the order to try them now. */
  round(): string[] {
    const start = (this.last + 1) % this.urls.length;
    return [...this.urls.slice(start), ...this.urls.slice(0, start)];
  }

  /** Records the node a connection was opened to; the next round starts after it. */
  connectedTo(url: string): void {
    const index = this.urls.indexOf(url);
    if (index >= 0) this.last = index;
  }
}

/** Fisher-Yates with the given source of randomness (injected by tests). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
