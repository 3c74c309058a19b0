import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where the Debian package puts rabbitmq-server and rabbitmqctl. */
export const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';

/** Where one node lives: its name, its ports, and the folders it owns. */
export interface RabbitMqNodeSettings {
  /** Erlang node name, e.g. `lb-1234-a@localhost`. */
  name: string;
  amqpPort: number;
  distPort: number;
  /** The node's own folder: config, data (mnesia) and logs. */
  dir: string;
  /** Shared by the cluster: HOME, so the same `.erlang.cookie` for every node and rabbitmqctl. */
  home: string;
  /** Erlang `net_ticktime`, s: a peer that stays silent this long is declared down. */
  netTickSeconds: number;
  /**
   * `cluster_partition_handling` (default `ignore`, the broker's own). With `ignore` a node
   * that was cut off (or paused past the net tick time) stays partitioned once it is back;
   * `autoheal` (what Compose and the chaos cluster use, ADR 0302) restarts the minority side
   * once the partition is seen; `pause_minority` stops it instead, and measured here left a
   * paused node partitioned for good.
   */
  partitionHandling?: PartitionHandling;
}

/** How a node reacts to a network partition (RabbitMQ's `cluster_partition_handling`). */
export type PartitionHandling = 'ignore' | 'pause_minority' | 'autoheal';

/**
 * One RabbitMQ node run from the installed Debian package as an OS process group of its own.
 * Every `rabbitmqctl` call names this node and runs with the cluster's own HOME (cookie), so
 * it can never reach the machine's main broker, whose cookie is another.
 */
export class RabbitMqNode {
  private child: ChildProcess | undefined;

  constructor(readonly settings: RabbitMqNodeSettings) {
    mkdirSync(settings.dir, { recursive: true });
    writeFileSync(join(settings.dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(settings.dir, 'rabbitmq-env.conf'), '');
    writeFileSync(
      join(settings.dir, 'rabbitmq.conf'),
      `listeners.tcp.default = 127.0.0.1:${settings.amqpPort}\nloopback_users = none\n` +
        `cluster_partition_handling = ${settings.partitionHandling ?? 'ignore'}\n`,
    );
    writeFileSync(
      join(settings.dir, 'advanced.config'),
      `[{kernel, [{net_ticktime, ${settings.netTickSeconds}}]}].\n`,
    );
  }

  /** Erlang node name. */
  get name(): string {
    return this.settings.name;
  }

  /** AMQP URL of this node (guest may log in: the node listens on loopback only). */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.settings.amqpPort}`;
  }

  /** True while the node's OS process runs (paused counts as running). */
  isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && !this.child.signalCode;
  }

  /** Starts the OS process; `awaitStartup` waits for the broker inside it. */
  spawn(): void {
    const { dir } = this.settings;
    const out = createWriteStream(join(dir, 'server.out'), { flags: 'a' });
    // A process group of its own: kill and pause reach beam and its helpers at once.
    const child = spawn(join(RABBITMQ_BIN, 'rabbitmq-server'), [], {
      env: this.env(),
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    this.child = child;
  }

  /** Boots the node again after `kill` or `stopGracefully` (same data: it rejoins its cluster). */
  async restart(): Promise<void> {
    this.spawn();
    await this.awaitStartup();
  }

  /** Waits until the broker application runs (the node first has to register with epmd). */
  async awaitStartup(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.isRunning())
        throw new Error(
          `RabbitMQ node ${this.name} exited while starting; the end of its server.out ` +
            `(its folder goes with the cluster):\n${this.outputTail()}`,
        );
      try {
        await this.ctl(['await_startup', '--timeout', '60'], 90_000);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(1000);
      }
    }
  }

  /** The last lines the node wrote, for an error message. */
  private outputTail(lines = 30): string {
    try {
      const text = readFileSync(join(this.settings.dir, 'server.out'), 'utf8').trimEnd();
      return text.split('\n').slice(-lines).join('\n') || '(empty)';
    } catch (error) {
      return `(unreadable: ${String(error)})`;
    }
  }

  /** `rabbitmqctl -n <this node> …` with the cluster's cookie; resolves with stdout. */
  ctl(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    const child = spawn(join(RABBITMQ_BIN, 'rabbitmqctl'), ['-n', this.name, ...args], {
      env: this.env(),
      cwd: this.settings.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const output = { stdout: '', stderr: '' };
    child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      // rabbitmqctl is a shell script over an Erlang VM: a timeout must take the whole
      // process group, or the VM outlives it (seen piling up while a node was down).
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(output.stdout);
        const how = signal ? `killed by ${signal} after ${timeoutMs} ms` : `exit ${code}`;
        reject(new Error(`rabbitmqctl ${args.join(' ')} (${how}): ${output.stderr.trim()}`));
      });
    });
  }

  /** SIGKILL to the whole process group: no clean shutdown at all. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL');
  }

  /** Stops the node cleanly (`rabbitmqctl stop`) and waits for its process to exit. */
  async stopGracefully(): Promise<void> {
    const exited = this.exited();
    await this.ctl(['stop'], 120_000);
    await exited;
    this.child = undefined;
  }

  /** SIGSTOP: the node stays connected but answers nothing (not even net ticks). */
  pause(): void {
    this.signal('SIGSTOP');
  }

  /** SIGCONT after `pause`. */
  resume(): void {
    this.signal('SIGCONT');
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const exited = this.exited();
    this.signal(signal);
    await exited;
    this.child = undefined;
  }

  private exited(): Promise<void> {
    const child = this.child;
    if (!child || !this.isRunning()) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.isRunning()) killGroup(this.child?.pid, signal);
  }

  private env(): NodeJS.ProcessEnv {
    const { dir, home, name, amqpPort, distPort } = this.settings;
    return {
      ...process.env,
      HOME: home,
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_NODENAME: name,
      RABBITMQ_NODE_PORT: String(amqpPort),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
  }
}

/** Signals a whole process group (a detached child's); nothing if it is already gone. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
