import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeTcpPort } from './free-port';
import { RabbitMqNode, type PartitionHandling } from './rabbitmq-node';
import { pollUntil } from './wait-for';

/** How `RabbitMqCluster.start` lays the nodes out; every field has a default. */
export interface RabbitMqClusterOptions {
  /** Nodes (default 3). */
  size?: number;
  /** Node i listens for AMQP on `amqpBasePort + i` (default: ports the kernel picks). */
  amqpBasePort?: number;
  /** Node names are `<prefix>-a@localhost`, `-b`, … (default `lb-<pid>`, unique per process). */
  prefix?: string;
  /** Erlang `net_ticktime`, s (default 60, Erlang's own). A paused node is down after it. */
  netTickSeconds?: number;
  /** Parent of the cluster's folder (default the OS temp folder). */
  parentDir?: string;
  /** `cluster_partition_handling` of every node (default `ignore`, the broker's own). */
  partitionHandling?: PartitionHandling;
}

/** A queue as `rabbitmqctl list_queues` reports it (leader and members: quorum queues only). */
export interface ClusterQueue {
  name: string;
  type: string;
  leader?: string;
  members?: string[];
  online?: string[];
  messages: number;
}

/**
 * A RabbitMQ cluster of separate OS processes on this machine, from the installed Debian
 * package: each node with its own name, ports, data and log folders, all sharing one new
 * Erlang cookie. Joined with `stop_app`/`join_cluster`/`start_app` onto the first node.
 * It never touches the machine's main broker: another node name and another cookie.
 */
export class RabbitMqCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: readonly RabbitMqNode[],
  ) {}

  /** Starts the nodes side by side, joins them, and waits until all of them run clustered. */
  static async start(options: RabbitMqClusterOptions = {}): Promise<RabbitMqCluster> {
    const size = options.size ?? 3;
    if (size < 1 || size > 26) throw new Error('a cluster has 1 to 26 nodes');
    const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), 'linebacker-rabbitmq-cluster-'));
    const cookie = join(dir, '.erlang.cookie');
    writeFileSync(cookie, randomBytes(20).toString('hex'));
    chmodSync(cookie, 0o400);
    const nodes: RabbitMqNode[] = [];
    for (let i = 0; i < size; i++) {
      const letter = String.fromCharCode(97 + i);
      nodes.push(
        new RabbitMqNode({
          name: `${options.prefix ?? `lb-${process.pid}`}-${letter}@localhost`,
          amqpPort:
            options.amqpBasePort === undefined ? await freeTcpPort() : options.amqpBasePort + i,
          distPort: await freeTcpPort(),
          dir: join(dir, letter),
          home: dir,
          netTickSeconds: options.netTickSeconds ?? 60,
          partitionHandling: options.partitionHandling,
        }),
      );
    }
    const cluster = new RabbitMqCluster(dir, nodes);
    try {
      nodes.forEach((node) => node.spawn());
      await Promise.all(nodes.map((node) => node.awaitStartup()));
      await cluster.join();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Every node's AMQP URL, in node order. */
  get urls(): string[] {
    return this.nodes.map((node) => node.url);
  }

  /** The node list as linebacker takes it (`LINEBACKER_AMQP_URL`): comma-separated. */
  get url(): string {
    return this.urls.join(',');
  }

  /** The node at `index`, or an error naming the cluster's size. */
  node(index: number): RabbitMqNode {
    const node = this.nodes[index];
    if (!node) throw new Error(`no node ${index} in a cluster of ${this.nodes.length}`);
    return node;
  }

  /** The nodes the cluster sees running, asked of the first node that answers. */
  async runningNodes(): Promise<string[]> {
    for (const node of this.nodes.filter((n) => n.isRunning())) {
      try {
        return (await clusterStatusOf(node, 30_000)).running;
      } catch {
        // Paused or stopping: ask the next one.
      }
    }
    return [];
  }

  /** Waits until the cluster sees exactly `expected` running (default: every node). */
  async awaitRunning(
    expected: readonly RabbitMqNode[] = this.nodes,
    timeoutMs = 120_000,
  ): Promise<void> {
    const want = expected.map((node) => node.name).sort();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = await this.runningNodes();
      if (running.join(' ') === want.join(' ')) return;
      if (Date.now() > deadline)
        throw new Error(`cluster runs [${running.join(', ')}], expected [${want.join(', ')}]`);
      await sleep(500);
    }
  }

  /**
   * Waits until every node runs and each of them sees all of them running and no partition:
   * the cluster is whole. Throws with what each node sees when `timeoutMs` passes.
   */
  async awaitWhole(timeoutMs = 120_000): Promise<void> {
    const whole = describeStatus({ running: this.nodes.map((n) => n.name).sort(), partitions: [] });
    let views: string[] = [];
    const isWhole = async () => {
      views = await Promise.all(this.nodes.map((node) => this.viewOf(node)));
      return views.every((view) => view === whole);
    };
    // Every 1 s, not awaitRunning's 500 ms: a round asks every node, and each rabbitmqctl is
    // an Erlang VM of its own (~0.5 s CPU); the chaos nemesis waits here through every node
    // fault on a 2-core machine, so polling faster would take CPU from the apps under test.
    if (await pollUntil(isWhole, timeoutMs, 1000)) return;
    throw new Error(
      `cluster not whole after ${timeoutMs} ms: ${this.nodes
        .map((node, i) => `${node.name} sees ${views[i]}`)
        .join('; ')}`,
    );
  }

  /** Every queue with its type, leader, members and depth, asked of the first node that answers. */
  async queues(): Promise<ClusterQueue[]> {
    const columns = ['name', 'type', 'leader', 'members', 'online', 'messages'];
    for (const node of this.nodes.filter((n) => n.isRunning())) {
      try {
        const args = ['list_queues', ...columns, '--formatter', 'json', '--timeout', '20'];
        return JSON.parse(await node.ctl(args, 30_000)) as ClusterQueue[];
      } catch {
        // Paused or stopping: ask the next one.
      }
    }
    throw new Error('no node of the cluster answers');
  }

  /** Kills every node and deletes the cluster's folder (its data is thrown away). */
  async stop(): Promise<void> {
    try {
      await Promise.all(this.nodes.map((node) => node.kill()));
    } finally {
      // A rabbitmqctl still finishing writes a new cookie into the folder while it goes
      // (seen as ENOTEMPTY at the end of a chaos run): retry instead of leaving it behind.
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    }
  }

  /** What `node` sees, as one line of the time-out message. */
  private async viewOf(node: RabbitMqNode): Promise<string> {
    if (!node.isRunning()) return 'not running';
    try {
      return describeStatus(await clusterStatusOf(node, 20_000));
    } catch {
      return 'no answer';
    }
  }

  private async join(): Promise<void> {
    const [first, ...others] = this.nodes;
    if (!first) return;
    for (const node of others) {
      await node.ctl(['stop_app']);
      await node.ctl(['join_cluster', first.name]);
      await node.ctl(['start_app'], 120_000);
    }
    await this.awaitRunning();
  }
}

/** What one node reports of its cluster. */
interface ClusterStatus {
  /** The nodes it sees running, sorted. */
  running: string[];
  /** `[node, the nodes it is cut off from]`, only for nodes cut off from any. */
  partitions: [string, string[]][];
}

/**
 * `rabbitmqctl cluster_status` of one node; rejects when it does not answer in `timeoutMs`.
 * The one place that reads its JSON, for the running nodes and the whole-cluster check.
 */
async function clusterStatusOf(node: RabbitMqNode, timeoutMs: number): Promise<ClusterStatus> {
  const args = ['cluster_status', '--formatter', 'json'];
  const status = JSON.parse(await node.ctl(args, timeoutMs)) as {
    running_nodes?: string[];
    partitions?: Record<string, string[]>;
  };
  return {
    running: [...(status.running_nodes ?? [])].sort(),
    partitions: Object.entries(status.partitions ?? {}).filter(([, cut]) => cut.length > 0),
  };
}

/** `running a b c; partitions none`, or with `node: peers` for each partition. */
function describeStatus({ running, partitions }: ClusterStatus): string {
  const cut = partitions.map(([node, peers]) => `${node}: ${peers.join(',')}`).join(', ');
  return `running ${running.join(' ')}; partitions ${cut || 'none'}`;
}
