import { RabbitMqCluster, type RabbitMqNode } from '@linebacker/testing';
import { CLUSTER_NET_TICK_SECONDS } from './schedule';

/** The busiest quorum queue and the node leading it. */
export interface BusiestQueue {
  queue: string;
  messages: number;
  /** Index of the leading node in `nodes`. */
  node: number;
}

/**
 * The harness's own RabbitMQ: one node, or a cluster of `nodes` (3 or more), started with
 * libs/testing's `RabbitMqCluster` (own node names `chaos-<pid>-a@localhost`, …, own ports,
 * data, logs and Erlang cookie, no plugins). Every `rabbitmqctl` call names one of these
 * nodes and carries this cookie, so no command can reach the shared broker. A cluster runs
 * with `autoheal` and a short net tick time (see ADR 0302).
 */
export class PrivateRabbitMq {
  private constructor(private readonly cluster: RabbitMqCluster) {}

  /** Starts the node(s), joins a cluster, and waits until every node runs. */
  static async start(nodes = 1): Promise<PrivateRabbitMq> {
    const cluster = await RabbitMqCluster.start({
      size: nodes,
      prefix: `chaos-${process.pid}`,
      ...(nodes > 1
        ? { netTickSeconds: CLUSTER_NET_TICK_SECONDS, partitionHandling: 'autoheal' }
        : {}),
    });
    return new PrivateRabbitMq(cluster);
  }

  /** The node list as the apps take it (comma-separated; one URL for a single node). */
  get url(): string {
    return this.cluster.url;
  }

  /** Every node's AMQP URL. */
  get urls(): string[] {
    return this.cluster.urls;
  }

  /** The nodes, in order. */
  get nodes(): readonly RabbitMqNode[] {
    return this.cluster.nodes;
  }

  /** One line for the log: node names and AMQP ports. */
  describe(): string {
    return this.nodes.map((n) => `${n.name} on ${n.settings.amqpPort}`).join(', ');
  }

  private get first(): RabbitMqNode {
    return this.cluster.node(0);
  }

  /** Closes every client connection on every running node (the apps must reconnect). */
  async closeAllConnections(): Promise<void> {
    for (const node of this.nodes.filter((n) => n.isRunning()))
      await node.ctl(['close_all_connections', 'chaos nemesis']);
  }

  /** Stops the RabbitMQ application of the (first) node; the Erlang node stays up. */
  async stopApp(): Promise<void> {
    await this.first.ctl(['stop_app']);
  }

  /** Starts the application again after `stopApp`. */
  async startApp(): Promise<void> {
    await this.first.ctl(['start_app']);
    await this.first.ctl(['await_startup', '--timeout', '90'], 120_000);
  }

  /** SIGKILLs the (first) node's process group (no clean shutdown at all). */
  async kill(): Promise<void> {
    await this.first.kill();
  }

  /** Boots the (first) node again after `kill` (same data: durable queues come back). */
  async restart(): Promise<void> {
    await this.first.restart();
  }

  /** The node at `index`. */
  node(index: number): RabbitMqNode {
    return this.cluster.node(index);
  }

  /** The quorum queue holding the most messages and the node leading it (none: undefined). */
  async busiestQueue(): Promise<BusiestQueue | undefined> {
    const queues = (await this.cluster.queues()).filter((q) => q.type === 'quorum' && q.leader);
    queues.sort((a, b) => b.messages - a.messages || a.name.localeCompare(b.name));
    const [top] = queues;
    const node = this.nodes.findIndex((n) => n.name === top?.leader);
    return top && node >= 0 ? { queue: top.name, messages: top.messages, node } : undefined;
  }

  /** Waits until the cluster is whole again (see `RabbitMqCluster.awaitWhole`; default 120 s). */
  async awaitWhole(timeoutMs?: number): Promise<void> {
    await this.cluster.awaitWhole(timeoutMs);
  }

  /** `name → messages` of every queue, asked of the first node that answers. */
  async queueDepths(): Promise<Record<string, number>> {
    return Object.fromEntries((await this.cluster.queues()).map((q) => [q.name, q.messages]));
  }

  /** Kills every node and deletes their directories. */
  async destroy(): Promise<void> {
    await this.cluster.stop();
  }
}
